package dev.specula.runtime.decoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The byte layout of an exported KV block: the keys and values of a token range [start, end) for all layers
 * of one model. It is what the KV store carries, so it is versioned and self-describing.
 *
 * <pre>
 * offset size  field          (all little-endian)
 *   0     4    magic          0x53504B56 ("SPKV" read as a big-endian int)
 *   4     2    version        1
 *   6     2    dtype          1 = float32, 2 = float16 (the model's own KV type; fp32 models write float32)
 *   8     4    layers
 *  12     4    kvHeads
 *  16     4    headDim
 *  20     4    tokens         end - start
 *  24     ...  data: for layer 0..layers-1: key then value, each [kvHeads][tokens][headDim] of dtype
 * </pre>
 *
 * Total size = 24 + layers * 2 * kvHeads * tokens * headDim * bytes(dtype). Worked example: 2 layers,
 * 2 KV heads, head_dim 16, float32, 3 tokens → 24 + 2*2*2*3*16*4 = 1560 bytes. The block holds no token ids
 * and no positions: the caller keys it by content (the token hash chain) and must import it at the same
 * absolute start position it was exported from, because keys are stored after rotary embedding.
 */
public final class KvBlockLayout {
    public static final int MAGIC = 0x53504B56;
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 24;

    private KvBlockLayout() {
    }

    /** The parsed header of a block. */
    public record Header(KvDType dtype, int layers, int kvHeads, int headDim, int tokens) {

        /** Bytes of one [kvHeads][tokens][headDim] key or value array. */
        public long tensorBytes() {
            return (long) kvHeads * tokens * headDim * dtype.bytes;
        }

        /** Bytes of the whole block, header included. */
        public long blockBytes() {
            return HEADER_BYTES + 2L * layers * tensorBytes();
        }
    }

    static void writeHeader(ByteBuffer block, Header header) {
        ByteBuffer out = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0, MAGIC);
        out.putShort(4, (short) VERSION);
        out.putShort(6, (short) header.dtype().code);
        out.putInt(8, header.layers());
        out.putInt(12, header.kvHeads());
        out.putInt(16, header.headDim());
        out.putInt(20, header.tokens());
    }

    /** Reads and checks the header at the buffer's position. */
    public static Header readHeader(ByteBuffer block) {
        ByteBuffer in = block.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER_BYTES) {
            throw new IllegalArgumentException("KV block of " + in.remaining() + " bytes is shorter than its "
                    + HEADER_BYTES + "-byte header");
        }
        if (in.getInt(0) != MAGIC) {
            throw new IllegalArgumentException(String.format("not a KV block: magic 0x%08X, expected 0x%08X",
                    in.getInt(0), MAGIC));
        }
        if (in.getShort(4) != VERSION) {
            throw new IllegalArgumentException("KV block version " + in.getShort(4) + " is not supported (" + VERSION + ")");
        }
        Header header = new Header(KvDType.fromCode(in.getShort(6)), in.getInt(8), in.getInt(12), in.getInt(16),
                in.getInt(20));
        if (header.layers() <= 0 || header.kvHeads() <= 0 || header.headDim() <= 0 || header.tokens() < 0) {
            throw new IllegalArgumentException("KV block header is invalid: " + header);
        }
        if (in.remaining() < header.blockBytes()) {
            throw new IllegalArgumentException("KV block is truncated: " + in.remaining() + " bytes, header says "
                    + header.blockBytes() + " for " + header);
        }
        return header;
    }
}
