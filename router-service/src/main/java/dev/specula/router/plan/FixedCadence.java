package dev.specula.router.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Re-cuts the backend's per-round token runs into chunks of exactly {@code size} tokens, so that neither chunk
 * sizes nor chunk counts follow how many drafts each round accepted. Tokens short of a full chunk wait for the
 * next round (or the end). Not thread-safe: one per generation.
 */
final class FixedCadence {
    private final int size;
    private int[] pending = new int[0];

    FixedCadence(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("cadence must be >= 1 token, got " + size);
        }
        this.size = size;
    }

    /** The full chunks that {@code ids} completes, in order; possibly none. */
    List<int[]> accept(int[] ids) {
        int[] all = Arrays.copyOf(pending, pending.length + ids.length);
        System.arraycopy(ids, 0, all, pending.length, ids.length);
        List<int[]> chunks = new ArrayList<>();
        int from = 0;
        for (; from + size <= all.length; from += size) {
            chunks.add(Arrays.copyOfRange(all, from, from + size));
        }
        pending = Arrays.copyOfRange(all, from, all.length);
        return chunks;
    }

    /** Tokens still waiting for a full chunk, at the end of the generation. */
    int[] drain() {
        int[] rest = pending;
        pending = new int[0];
        return rest;
    }
}
