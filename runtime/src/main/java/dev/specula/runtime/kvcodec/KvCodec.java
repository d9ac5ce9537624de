package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;

/**
 * Encodes a {@link KvBlockLayout} block (what {@code DecoderSession.exportKv} produces) for storage, and decodes it
 * back into a block {@code DecoderSession.importKv} accepts. The encoded form carries the shape it was made from, so
 * decoding needs only the target dtype (the model's KV type). Lossy codecs refuse NaN and infinity instead of
 * quantizing them into garbage; a refused block is simply not offloaded.
 *
 * <p>The name is what the KV store records as the block's codec, so a reader never decodes bytes with the wrong codec.
 */
public interface KvCodec {

    /** The store's codec name: fp32, fp16, int8 or q4k2v. */
    String name();

    /**
     * @param block a {@link KvBlockLayout} block (float32 or float16) at the buffer's position; not modified
     * @return a fresh little-endian heap buffer
     * @throws IllegalArgumentException if the block is malformed or holds values the codec cannot represent
     */
    ByteBuffer encode(ByteBuffer block);

    /**
     * @param encoded what {@link #encode} produced, at the buffer's position; not modified
     * @param target  the dtype of the returned {@link KvBlockLayout} block
     * @throws IllegalArgumentException if the bytes are not this codec's format or their length is wrong
     */
    ByteBuffer decode(ByteBuffer encoded, KvDType target);

    /** Size of the encoded form of a block with this shape (its dtype is ignored). */
    long encodedBytes(KvBlockLayout.Header shape);
}
