package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Seeded KV blocks for tests and for the error probe when no exported block is at hand.
 *
 * <p>{@link #realistic} imitates what is measured on real LLM caches (KIVI, KVQuant): keys carry a per-channel offset,
 * a few outlier channels an order of magnitude larger than the rest, and a rotary (RoPE) modulation whose frequency
 * falls with the channel index; values are roughly Gaussian with a per-token scale and occasional outlier tokens.
 * {@link #uniform} is plain noise in [-1, 1].
 */
public final class SyntheticKv {

    private SyntheticKv() {
    }

    public static ByteBuffer uniform(int layers, int kvHeads, int headDim, int tokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        KvTensors tensors = empty(layers, kvHeads, headDim, tokens);
        for (float[] slot : tensors.slots()) {
            for (int i = 0; i < slot.length; i++) {
                slot[i] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        return tensors.write(KvDType.FLOAT32);
    }

    /** @param start absolute position of the first token (the rotary phase depends on it) */
    public static ByteBuffer realistic(int layers, int kvHeads, int headDim, int tokens, int start, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        KvTensors tensors = empty(layers, kvHeads, headDim, tokens);
        for (int layer = 0; layer < layers; layer++) {
            float[] keys = tensors.slots()[2 * layer];
            float[] values = tensors.slots()[2 * layer + 1];
            for (int h = 0; h < kvHeads; h++) {
                for (int d = 0; d < headDim; d++) {
                    boolean outlier = random.nextDouble() < 0.05;
                    double offset = gaussian(random) * (outlier ? 8 : 0.5);
                    double amplitude = (outlier ? 6 : 1) * (0.5 + random.nextDouble());
                    double frequency = Math.pow(10_000, -2.0 * (d / 2) / headDim);
                    double phase = random.nextDouble() * 2 * Math.PI;
                    for (int t = 0; t < tokens; t++) {
                        double rotary = amplitude * Math.cos(frequency * (start + t) + phase);
                        keys[(h * tokens + t) * headDim + d] = (float) (offset + rotary + 0.2 * gaussian(random));
                    }
                }
                for (int t = 0; t < tokens; t++) {
                    double scale = Math.exp(0.5 * gaussian(random)) * (random.nextDouble() < 0.02 ? 10 : 1);
                    for (int d = 0; d < headDim; d++) {
                        values[(h * tokens + t) * headDim + d] = (float) (scale * gaussian(random));
                    }
                }
            }
        }
        return tensors.write(KvDType.FLOAT32);
    }

    private static KvTensors empty(int layers, int kvHeads, int headDim, int tokens) {
        KvBlockLayout.Header shape = new KvBlockLayout.Header(KvDType.FLOAT32, layers, kvHeads, headDim, tokens);
        int elements = KvTensors.elements(shape);
        float[][] slots = new float[2 * layers][elements];
        return new KvTensors(shape, slots);
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
