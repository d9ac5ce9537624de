package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvImport;
import java.nio.ByteBuffer;

/**
 * Consecutive blocks of a restore laid straight into an empty session's cache as they arrive ({@link KvImport}),
 * so that a restore copies each byte once and a streamed fetch is laid out while later blocks are still on the
 * wire. The import is sized for {@code capacity} blocks on the first add (a miss touches nothing); only the blocks
 * the caller commits become the session's cache. Blocks are checked to fit this model's layout before they are
 * placed; the first misfit is refused and nothing after it is added.
 *
 * <p>Not thread-safe; a streamed fetch calls {@link #add} one block at a time.
 */
final class KvAssembly {
    private final DecoderSession session;
    private final GraphSignature signature;
    private final int blockTokens;
    private final int capacity;
    private KvImport target;
    private int blocks;
    private boolean refused;

    KvAssembly(DecoderSession session, GraphSignature signature, int blockTokens, int capacity) {
        this.session = session;
        this.signature = signature;
        this.blockTokens = blockTokens;
        this.capacity = capacity;
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
        if (target == null) {
            target = session.beginImport(capacity * blockTokens);
        }
        int heads = signature.kvHeads();
        int runBytes = blockTokens * signature.headDim() * signature.kvType().bytes;
        int source = block.position() + KvBlockLayout.HEADER_BYTES;
        for (int slot = 0; slot < 2 * signature.layers(); slot++) {
            for (int head = 0; head < heads; head++) {
                target.put(slot, head, blocks * blockTokens, block, source, blockTokens);
                source += runBytes;
            }
        }
        blocks++;
        return true;
    }

    /** Makes the first {@code count} placed blocks the session's cache (nothing if count is 0). */
    void commit(int count) {
        if (count < 0 || count > blocks) {
            throw new IllegalArgumentException("cannot import " + count + " of " + blocks + " placed blocks");
        }
        if (target != null) {
            target.commit(count * blockTokens);
        }
    }
}
