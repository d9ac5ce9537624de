package dev.specula.models.trainer;

import java.nio.file.Path;
import java.util.Random;

/**
 * Greedy acceptance of drafter vs verifier on held-out prompts: the verifier greedily continues each prompt
 * (through its KV cache, as served); at every continuation position we ask whether the drafter's argmax,
 * given the same prefix, equals the verifier's token. That is the per-token acceptance rate alpha of greedy
 * speculative decoding.
 */
final class AcceptanceProbe {
    private AcceptanceProbe() {
    }

    static double[] measure(Path verifierOnnx, ModelConfig vcfg, Path drafterOnnx, ModelConfig dcfg,
                            Corpus corpus, int prompts, int promptLen, int genLen) throws Exception {
        Random rnd = new Random(2024);
        long agree = 0;
        long total = 0;
        long textAgree = 0;
        long textTotal = 0;
        try (OrtDecoder ver = new OrtDecoder(verifierOnnx, vcfg, 2); OrtDecoder dra = new OrtDecoder(drafterOnnx, dcfg, 2)) {
            for (int p = 0; p < prompts; p++) {
                short[] doc;
                do {
                    doc = corpus.heldOutDocs.get(rnd.nextInt(corpus.heldOutDocs.size()));
                } while (doc.length < promptLen + 1);
                int start = rnd.nextInt(doc.length - promptLen);
                long[] prompt = new long[promptLen];
                for (int i = 0; i < promptLen; i++) prompt[i] = doc[start + i];
                ver.reset();
                float[][] lv = ver.step(prompt, true);
                long[] seq = new long[promptLen + genLen];
                System.arraycopy(prompt, 0, seq, 0, promptLen);
                long next = OrtDecoder.argmax(lv[promptLen - 1]);
                for (int i = 0; i < genLen; i++) {
                    seq[promptLen + i] = next;
                    if (i + 1 < genLen) next = OrtDecoder.argmax(ver.step(new long[]{next}, true)[0]);
                }
                dra.reset();
                float[][] ld = dra.step(seq, false);
                for (int i = 0; i < genLen; i++) {
                    if (OrtDecoder.argmax(ld[promptLen - 1 + i]) == seq[promptLen + i]) agree++;
                    total++;
                }
                // Same question on real held-out text (teacher-forced), which is not biased towards the
                // repetitive loops that greedy decoding of small models falls into.
                for (int i = 0; i < promptLen - 1; i++) {
                    if (OrtDecoder.argmax(ld[i]) == OrtDecoder.argmax(lv[i])) textAgree++;
                    textTotal++;
                }
            }
        }
        return new double[]{(double) agree / total, total, (double) textAgree / textTotal, textTotal};
    }
}
