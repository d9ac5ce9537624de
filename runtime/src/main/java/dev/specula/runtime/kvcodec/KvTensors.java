package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A KV block as floats: for every layer its key then its value tensor ("slots" 2l and 2l+1, as in
 * {@link KvBlockLayout}), each {@code [kvHeads][tokens][headDim]} in row-major order. Codecs quantize from and
 * reconstruct into this form; it converts to and from the {@link KvBlockLayout} bytes in either dtype.
 *
 * @param shape layers, kvHeads, headDim and tokens; its dtype is the one the block was read from
 */
public record KvTensors(KvBlockLayout.Header shape, float[][] slots) {

    /** Parses and checks a {@link KvBlockLayout} block (float32 or float16) at the buffer's position. */
    public static KvTensors read(ByteBuffer block) {
        KvBlockLayout.Header header = KvBlockLayout.readHeader(block);
        ByteBuffer in = block.slice().order(ByteOrder.LITTLE_ENDIAN);
        int perSlot = elements(header);
        float[][] slots = new float[2 * header.layers()][perSlot];
        int at = KvBlockLayout.HEADER_BYTES;
        for (float[] slot : slots) {
            for (int i = 0; i < perSlot; i++) {
                if (header.dtype() == KvDType.FLOAT32) {
                    slot[i] = in.getFloat(at);
                    at += 4;
                } else {
                    slot[i] = Half.toFloat(in.getShort(at));
                    at += 2;
                }
            }
        }
        return new KvTensors(header, slots);
    }

    /** The {@link KvBlockLayout} bytes of these tensors in {@code dtype} (a heap buffer, little-endian). */
    public ByteBuffer write(KvDType dtype) {
        KvBlockLayout.Header header = withDtype(shape, dtype);
        ByteBuffer out = allocateBlock(header);
        int at = KvBlockLayout.HEADER_BYTES;
        for (float[] slot : slots) {
            for (float value : slot) {
                if (dtype == KvDType.FLOAT32) {
                    out.putFloat(at, value);
                    at += 4;
                } else {
                    out.putShort(at, Half.fromFloat(value));
                    at += 2;
                }
            }
        }
        return out;
    }

    public int layers() {
        return shape.layers();
    }

    public int kvHeads() {
        return shape.kvHeads();
    }

    public int headDim() {
        return shape.headDim();
    }

    public int tokens() {
        return shape.tokens();
    }

    /** Values per key or value tensor: kvHeads × tokens × headDim. */
    static int elements(KvBlockLayout.Header header) {
        long count = (long) header.kvHeads() * header.tokens() * header.headDim();
        if (count > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("KV block too large for one buffer: " + header);
        }
        return (int) count;
    }

    static KvBlockLayout.Header withDtype(KvBlockLayout.Header header, KvDType dtype) {
        return new KvBlockLayout.Header(dtype, header.layers(), header.kvHeads(), header.headDim(), header.tokens());
    }

    /**
     * A zeroed block with its header written. (KvBlockLayout's own writer is internal to the decoder; the layout is
     * public and versioned, so it is written here from its documented fields.)
     */
    static ByteBuffer allocateBlock(KvBlockLayout.Header header) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(header.blockBytes())).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0, KvBlockLayout.MAGIC);
        out.putShort(4, (short) KvBlockLayout.VERSION);
        out.putShort(6, (short) header.dtype().code);
        out.putInt(8, header.layers());
        out.putInt(12, header.kvHeads());
        out.putInt(16, header.headDim());
        out.putInt(20, header.tokens());
        return out;
    }

    /** @throws IllegalArgumentException naming the first NaN or infinity: no codec may quantize one silently */
    void requireFinite(String codec) {
        for (int s = 0; s < slots.length; s++) {
            for (int i = 0; i < slots[s].length; i++) {
                if (!Float.isFinite(slots[s][i])) {
                    throw new IllegalArgumentException(codec + " cannot encode " + slots[s][i] + " (layer " + s / 2
                            + (s % 2 == 0 ? " key" : " value") + ", element " + i + ")");
                }
            }
        }
    }
}
