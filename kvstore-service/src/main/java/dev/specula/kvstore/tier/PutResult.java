package dev.specula.kvstore.tier;

import dev.specula.kvstore.block.Block;
import java.util.List;

/**
 * A put's outcome and the blocks it evicted to make room. Evicted blocks come with their payloads only when the
 * caller asked for them (there is a lower tier to demote them into); otherwise the list is empty and nothing was
 * copied.
 */
public record PutResult(PutOutcome outcome, List<Block> evicted) {

    public static final PutResult EXISTING = new PutResult(PutOutcome.EXISTING, List.of());
    public static final PutResult SKIPPED = new PutResult(PutOutcome.SKIPPED, List.of());

    public PutResult {
        evicted = List.copyOf(evicted);
    }
}
