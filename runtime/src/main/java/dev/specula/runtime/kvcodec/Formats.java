package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The header of the quantized formats (int8, q4k2v), little-endian like {@link KvBlockLayout}:
 *
 * <pre>
 * offset size  field
 *   0     4    magic        0x53504B43 ("SPKC")
 *   4     2    version      1
 *   6     1    codec id     3 = int8, 4 = low-bit
 *   7     1    reserved     0
 *   8     4    layers
 *  12     4    kvHeads
 *  16     4    headDim
 *  20     4    tokens
 *  24     1    key bits
 *  25     1    value bits
 *  26     2    value group  values share a scale per this many channels of one token (0 = not grouped)
 *  28     ...  codec data
 * </pre>
 */
final class Formats {

    static final int MAGIC = 0x53504B43;
    static final int VERSION = 1;
    static final int HEADER_BYTES = 28;

    /** What a quantized header says. */
    record Quantized(int codecId, KvBlockLayout.Header shape, int keyBits, int valueBits, int group) {
    }

    private Formats() {
    }

    static ByteBuffer allocate(long bytes, int codecId, KvBlockLayout.Header shape, int keyBits, int valueBits,
            int group) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putShort((short) VERSION).put((byte) codecId).put((byte) 0)
                .putInt(shape.layers()).putInt(shape.kvHeads()).putInt(shape.headDim()).putInt(shape.tokens())
                .put((byte) keyBits).put((byte) valueBits).putShort((short) group);
        return out;
    }

    /** Reads and checks the header; the returned buffer is a little-endian view positioned after it. */
    static Quantized read(ByteBuffer encoded, int expectedCodec, String codec) {
        ByteBuffer in = encoded.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER_BYTES) {
            throw new IllegalArgumentException(codec + " payload of " + in.remaining() + " bytes has no header");
        }
        if (in.getInt(0) != MAGIC || in.getShort(4) != VERSION || in.get(6) != expectedCodec) {
            throw new IllegalArgumentException(String.format("not a %s payload (magic 0x%08X, version %d, codec %d)",
                    codec, in.getInt(0), in.getShort(4), in.get(6)));
        }
        KvBlockLayout.Header shape = new KvBlockLayout.Header(KvDType.FLOAT32, in.getInt(8), in.getInt(12),
                in.getInt(16), in.getInt(20));
        if (shape.layers() <= 0 || shape.kvHeads() <= 0 || shape.headDim() <= 0 || shape.tokens() < 0) {
            throw new IllegalArgumentException(codec + " payload header is invalid: " + shape);
        }
        return new Quantized(in.get(6), shape, in.get(24), in.get(25), in.getShort(26) & 0xFFFF);
    }

    static void requireExactLength(ByteBuffer encoded, long expected, String codec) {
        if (encoded.remaining() != expected) {
            throw new IllegalArgumentException(codec + " payload is " + encoded.remaining() + " bytes, its header "
                    + "says " + expected);
        }
    }
}
