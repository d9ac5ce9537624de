package dev.specula.runtime.kvcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.testing.TestModels;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Codecs on KV that a real forward pass produced (the tiny test model: 2 layers, 2 KV heads, head dim 16, rotary
 * keys): the decoded block imports into a fresh session, and the next-token distribution after it stays close to
 * the one after the exact KV. The same measurement on the bundled verifier is the verifier's benchmark.
 */
class KvCodecModelTest {

    private final DecoderModel model = TestModels.tiny();

    @Test
    void decodedKvImportsAndKeepsTheNextTokenDistributionClose() {
        int[] prompt = TestModels.tokens(32, 21);
        int[] next = {65, 66};
        Map<String, Double> kl = new LinkedHashMap<>();
        try (DecoderSession source = model.newSession()) {
            source.forward(prompt);
            ByteBuffer block = source.exportKv(0, prompt.length);
            KvBlockLayout.Header header = KvBlockLayout.readHeader(block);
            float[] expected = source.forward(next);
            for (KvCodec codec : KvCodecs.all()) {
                ByteBuffer decoded = codec.decode(codec.encode(block), header.dtype());
                try (DecoderSession restored = model.newSession()) {
                    restored.importKv(0, decoded);
                    kl.put(codec.name(), meanKl(expected, restored.forward(next), model.vocabSize()));
                }
            }
        }
        System.out.println("next-token KL(exact || codec) on the tiny model: " + kl);
        assertEquals(0.0, kl.get("fp32"), 1e-9);
        assertTrue(kl.get("fp16") < 1e-5, kl.toString());
        assertTrue(kl.get("int8") < 1e-3, kl.toString());
        assertTrue(kl.get("q4k2v") < 0.1, kl.toString());
        assertTrue(kl.get("fp16") <= kl.get("int8") && kl.get("int8") <= kl.get("q4k2v"), kl.toString());
    }

    /** Mean over the rows of KL(softmax(p) || softmax(q)), in nats. */
    private static double meanKl(float[] p, float[] q, int vocab) {
        int rows = p.length / vocab;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double[] a = softmax(p, r * vocab, vocab);
            double[] b = softmax(q, r * vocab, vocab);
            for (int i = 0; i < vocab; i++) {
                if (a[i] > 0) {
                    total += a[i] * Math.log(a[i] / b[i]);
                }
            }
        }
        return total / rows;
    }

    private static double[] softmax(float[] logits, int from, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[from + i]);
        }
        double[] out = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            out[i] = Math.exp(logits[from + i] - max);
            sum += out[i];
        }
        for (int i = 0; i < vocab; i++) {
            out[i] /= sum;
        }
        return out;
    }
}
