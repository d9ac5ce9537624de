package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;

/**
 * 8-bit symmetric quantization with one float32 scale per channel: for each layer, key and value, and each
 * (kv head, head-dim channel) pair, scale = max|x| over the block's tokens / 127 and q = round(x / scale). Per-channel
 * scales follow the channel-wise outliers of attention keys (KIVI, KVQuant), so one large channel never coarsens the
 * others. Error per value: at most scale / 2, i.e. max|channel| / 254.
 *
 * <p>Layout after the {@link Formats} header, per slot (layer 0 key, layer 0 value, layer 1 key, ...): float32
 * scales [kvHeads][headDim], then int8 codes [kvHeads][tokens][headDim].
 */
final class Int8Codec implements KvCodec {

    static final int ID = 3;
    private static final int LEVELS = 127;

    @Override
    public String name() {
        return KvCodecs.INT8;
    }

    @Override
    public ByteBuffer encode(ByteBuffer block) {
        KvTensors tensors = KvTensors.read(block);
        tensors.requireFinite(name());
        int heads = tensors.kvHeads();
        int tokens = tensors.tokens();
        int dim = tensors.headDim();
        ByteBuffer out = Formats.allocate(encodedBytes(tensors.shape()), ID, tensors.shape(), 8, 8, 0);
        for (float[] slot : tensors.slots()) {
            float[] scales = new float[heads * dim];
            for (int h = 0; h < heads; h++) {
                for (int d = 0; d < dim; d++) {
                    float max = 0;
                    for (int t = 0; t < tokens; t++) {
                        max = Math.max(max, Math.abs(slot[(h * tokens + t) * dim + d]));
                    }
                    scales[h * dim + d] = max / LEVELS;
                }
            }
            for (float scale : scales) {
                out.putFloat(scale);
            }
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tokens; t++) {
                    for (int d = 0; d < dim; d++) {
                        float scale = scales[h * dim + d];
                        float x = slot[(h * tokens + t) * dim + d];
                        int q = scale == 0 ? 0 : Math.round(x / scale);
                        out.put((byte) Math.max(-LEVELS, Math.min(LEVELS, q)));
                    }
                }
            }
        }
        return out.flip();
    }

    @Override
    public ByteBuffer decode(ByteBuffer encoded, KvDType target) {
        Formats.Quantized header = Formats.read(encoded, ID, name());
        KvBlockLayout.Header shape = header.shape();
        Formats.requireExactLength(encoded, encodedBytes(shape), name());
        ByteBuffer in = encoded.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN).position(Formats.HEADER_BYTES);
        int heads = shape.kvHeads();
        int tokens = shape.tokens();
        int dim = shape.headDim();
        float[][] slots = new float[2 * shape.layers()][KvTensors.elements(shape)];
        for (float[] slot : slots) {
            float[] scales = new float[heads * dim];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = in.getFloat();
            }
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tokens; t++) {
                    for (int d = 0; d < dim; d++) {
                        slot[(h * tokens + t) * dim + d] = in.get() * scales[h * dim + d];
                    }
                }
            }
        }
        return new KvTensors(shape, slots).write(target);
    }

    @Override
    public long encodedBytes(KvBlockLayout.Header shape) {
        long perSlot = 4L * shape.kvHeads() * shape.headDim() + (long) KvTensors.elements(shape);
        return Formats.HEADER_BYTES + 2L * shape.layers() * perSlot;
    }
}
