package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Low-bit KV with keys at more bits than values (KIVI's recipe): keys are quantized per channel, over the block's
 * tokens, because their outliers sit in fixed channels; values per token, in groups of {@code group} channels,
 * because their errors average out in the attention-weighted sum. Both asymmetric (min and scale, fp16 each), see
 * {@link AffineQuantizer}. {@code q4k2v} (4-bit keys, 2-bit values, groups of 32) takes about 1/7 of fp32.
 *
 * <p>Layout after the {@link Formats} header, per layer:
 * <pre>
 * key:   fp16 min [kvHeads][headDim], fp16 scale [kvHeads][headDim],
 *        keyBits codes [kvHeads][headDim][tokens] packed (byte-padded)
 * value: fp16 min [kvHeads][tokens][groups], fp16 scale [kvHeads][tokens][groups],
 *        valueBits codes [kvHeads][tokens][headDim] packed (byte-padded)
 * </pre>
 * groups = ceil(headDim / group); the last group of a token may be shorter.
 */
final class LowBitCodec implements KvCodec {

    static final int ID = 4;

    private final String name;
    private final int keyBits;
    private final int valueBits;
    private final int group;

    LowBitCodec(String name, int keyBits, int valueBits, int group) {
        if (keyBits < 1 || keyBits > 8 || valueBits < 1 || valueBits > 8 || group < 1 || group > 0xFFFF) {
            throw new IllegalArgumentException("bits must be 1..8 and group 1..65535");
        }
        this.name = name;
        this.keyBits = keyBits;
        this.valueBits = valueBits;
        this.group = group;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ByteBuffer encode(ByteBuffer block) {
        KvTensors tensors = KvTensors.read(block);
        tensors.requireFinite(name);
        KvBlockLayout.Header shape = tensors.shape();
        ByteBuffer out = Formats.allocate(encodedBytes(shape), ID, shape, keyBits, valueBits, group);
        for (int layer = 0; layer < shape.layers(); layer++) {
            encodeKeys(tensors.slots()[2 * layer], shape, out);
            encodeValues(tensors.slots()[2 * layer + 1], shape, out);
        }
        return out.flip();
    }

    @Override
    public ByteBuffer decode(ByteBuffer encoded, KvDType target) {
        Formats.Quantized header = Formats.read(encoded, ID, name);
        if (header.keyBits() != keyBits || header.valueBits() != valueBits || header.group() != group) {
            throw new IllegalArgumentException(name + " expects " + keyBits + "/" + valueBits + " bits, group "
                    + group + "; payload has " + header.keyBits() + "/" + header.valueBits() + ", group "
                    + header.group());
        }
        KvBlockLayout.Header shape = header.shape();
        Formats.requireExactLength(encoded, encodedBytes(shape), name);
        ByteBuffer in = encoded.slice().order(ByteOrder.LITTLE_ENDIAN).position(Formats.HEADER_BYTES);
        float[][] slots = new float[2 * shape.layers()][];
        for (int layer = 0; layer < shape.layers(); layer++) {
            slots[2 * layer] = decodeKeys(shape, in);
            slots[2 * layer + 1] = decodeValues(shape, in);
        }
        return new KvTensors(shape, slots).write(target);
    }

    @Override
    public long encodedBytes(KvBlockLayout.Header shape) {
        long channels = (long) shape.kvHeads() * shape.headDim();
        long groups = (long) shape.kvHeads() * shape.tokens() * groupsPerToken(shape.headDim());
        long elements = KvTensors.elements(shape);
        long keyBytes = 4 * channels + BitPacker.bytesFor(elements, keyBits);
        long valueBytes = 4 * groups + BitPacker.bytesFor(elements, valueBits);
        return Formats.HEADER_BYTES + shape.layers() * (keyBytes + valueBytes);
    }

    /** One quantizer per (head, channel), over the tokens. */
    private void encodeKeys(float[] keys, KvBlockLayout.Header shape, ByteBuffer out) {
        int heads = shape.kvHeads();
        int tokens = shape.tokens();
        int dim = shape.headDim();
        AffineQuantizer[] quantizers = new AffineQuantizer[heads * dim];
        int[] codes = new int[keys.length];
        int next = 0;
        for (int h = 0; h < heads; h++) {
            for (int d = 0; d < dim; d++) {
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < tokens; t++) {
                    float x = keys[(h * tokens + t) * dim + d];
                    lo = Math.min(lo, x);
                    hi = Math.max(hi, x);
                }
                AffineQuantizer q = tokens == 0 ? AffineQuantizer.of((short) 0, (short) 0, keyBits)
                        : AffineQuantizer.fit(lo, hi, keyBits, name);
                quantizers[h * dim + d] = q;
                for (int t = 0; t < tokens; t++) {
                    codes[next++] = q.code(keys[(h * tokens + t) * dim + d]);
                }
            }
        }
        writeParameters(quantizers, out);
        BitPacker.pack(codes, keyBits, out);
    }

    private float[] decodeKeys(KvBlockLayout.Header shape, ByteBuffer in) {
        int heads = shape.kvHeads();
        int tokens = shape.tokens();
        int dim = shape.headDim();
        AffineQuantizer[] quantizers = readParameters(heads * dim, keyBits, in);
        int[] codes = BitPacker.unpack(in, KvTensors.elements(shape), keyBits);
        float[] keys = new float[codes.length];
        int next = 0;
        for (int h = 0; h < heads; h++) {
            for (int d = 0; d < dim; d++) {
                AffineQuantizer q = quantizers[h * dim + d];
                for (int t = 0; t < tokens; t++) {
                    keys[(h * tokens + t) * dim + d] = q.value(codes[next++]);
                }
            }
        }
        return keys;
    }

    /** One quantizer per (head, token, group of channels). */
    private void encodeValues(float[] values, KvBlockLayout.Header shape, ByteBuffer out) {
        int dim = shape.headDim();
        int groups = groupsPerToken(dim);
        int rows = shape.kvHeads() * shape.tokens();
        AffineQuantizer[] quantizers = new AffineQuantizer[rows * groups];
        int[] codes = new int[values.length];
        for (int row = 0; row < rows; row++) {
            for (int g = 0; g < groups; g++) {
                int from = row * dim + g * group;
                int to = Math.min(row * dim + dim, from + group);
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (int i = from; i < to; i++) {
                    lo = Math.min(lo, values[i]);
                    hi = Math.max(hi, values[i]);
                }
                AffineQuantizer q = AffineQuantizer.fit(lo, hi, valueBits, name);
                quantizers[row * groups + g] = q;
                for (int i = from; i < to; i++) {
                    codes[i] = q.code(values[i]);
                }
            }
        }
        writeParameters(quantizers, out);
        BitPacker.pack(codes, valueBits, out);
    }

    private float[] decodeValues(KvBlockLayout.Header shape, ByteBuffer in) {
        int dim = shape.headDim();
        int groups = groupsPerToken(dim);
        int rows = shape.kvHeads() * shape.tokens();
        AffineQuantizer[] quantizers = readParameters(rows * groups, valueBits, in);
        int[] codes = BitPacker.unpack(in, KvTensors.elements(shape), valueBits);
        float[] values = new float[codes.length];
        for (int i = 0; i < values.length; i++) {
            int row = i / dim;
            values[i] = quantizers[row * groups + (i % dim) / group].value(codes[i]);
        }
        return values;
    }

    private int groupsPerToken(int dim) {
        return (dim + group - 1) / group;
    }

    /** All minima, then all scales: each a contiguous fp16 array. */
    private static void writeParameters(AffineQuantizer[] quantizers, ByteBuffer out) {
        for (AffineQuantizer q : quantizers) {
            out.putShort(q.minHalf);
        }
        for (AffineQuantizer q : quantizers) {
            out.putShort(q.scaleHalf);
        }
    }

    private static AffineQuantizer[] readParameters(int count, int bits, ByteBuffer in) {
        short[] minima = new short[count];
        for (int i = 0; i < count; i++) {
            minima[i] = in.getShort();
        }
        AffineQuantizer[] quantizers = new AffineQuantizer[count];
        for (int i = 0; i < count; i++) {
            quantizers[i] = AffineQuantizer.of(minima[i], in.getShort(), bits);
        }
        return quantizers;
    }
}
