package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Consecutive blocks of a restore laid into ONE {@code KvBlockLayout} block as they arrive, so that a restore is a
 * single import (importing n blocks one by one would re-lay the growing cache n times) and a streamed fetch is laid
 * out while later blocks are still on the wire. The buffer is sized for {@code capacity} blocks on the first add
 * (a miss allocates nothing); only the blocks added so far are imported. Blocks are checked to fit this model's
 * layout before they are placed; the first misfit is refused and nothing after it is added.
 *
 * <p>Not thread-safe; a streamed fetch calls {@link #add} one block at a time.
 */
final class KvAssembly {
    private final GraphSignature signature;
    private final int blockTokens;
    private final int capacity;
    private final int runBytes;
    private ByteBuffer merged;
    private int blocks;
    private boolean refused;

    KvAssembly(GraphSignature signature, int blockTokens, int capacity) {
        this.signature = signature;
        this.blockTokens = blockTokens;
        this.capacity = capacity;
        this.runBytes = blockTokens * signature.headDim() * signature.kvType().bytes;
    }

    /** Blocks placed so far: tokens [0, blocks × blockTokens) of the assembly. */
    int blocks() {
        return blocks;
    }

    /**
     * Places the next block. @return false (and nothing placed, now or later) if the block does not fit this
     * model's layout or the assembly is full
     */
    boolean add(ByteBuffer block) {
        if (refused || blocks >= capacity || !KvBlocks.fits(block, signature, blockTokens)) {
            refused = true;
            return false;
        }
        if (merged == null) {
            merged = allocate();
        }
        int heads = signature.kvHeads();
        int slots = 2 * signature.layers();
        int stride = capacity * runBytes; // one (slot, head) run of the whole assembly
        int source = block.position() + KvBlockLayout.HEADER_BYTES;
        for (int sh = 0; sh < slots * heads; sh++) {
            merged.put(KvBlockLayout.HEADER_BYTES + sh * stride + blocks * runBytes, block, source, runBytes);
            source += runBytes;
        }
        blocks++;
        return true;
    }

    /** Imports the first {@code count} placed blocks at position 0 of an empty session (nothing if count is 0). */
    void importInto(DecoderSession session, int count) {
        if (count < 0 || count > blocks) {
            throw new IllegalArgumentException("cannot import " + count + " of " + blocks + " placed blocks");
        }
        if (count > 0) {
            session.importKv(0, merged, count * blockTokens);
        }
    }

    private ByteBuffer allocate() {
        int tokens = capacity * blockTokens;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(KvBlocks.blockBytes(signature, tokens)))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0, KvBlockLayout.MAGIC);
        out.putShort(4, (short) KvBlockLayout.VERSION);
        out.putShort(6, (short) signature.kvType().code);
        out.putInt(8, signature.layers());
        out.putInt(12, signature.kvHeads());
        out.putInt(16, signature.headDim());
        out.putInt(20, tokens);
        return out;
    }
}
