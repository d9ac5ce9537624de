package dev.specula.runtime.engine;

import java.nio.ByteBuffer;

/**
 * Receives the blocks of a streamed fetch ({@link BlockStore#fetchPrefix}) one at a time, in chain order, as they
 * arrive, so that they can be placed for import while later ones are still on the wire.
 */
@FunctionalInterface
public interface BlockSink {

    /**
     * @param payload a verified block (key, codec, token count and checksum checked by the store client), from its
     *                position to its limit; valid only during this call, never to be written
     * @return false to stop the fetch here (this block is then not counted as delivered)
     */
    boolean accept(ByteBuffer payload);
}
