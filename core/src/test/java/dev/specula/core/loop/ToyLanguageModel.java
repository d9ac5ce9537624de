package dev.specula.core.loop;

import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.testing.Distributions;

/**
 * A bigram "language model" pair over six tokens: the next-token logits of the target and of the draft are
 * small deterministic functions of the previous token. The draft is a perturbed target, so it agrees often but not
 * always (including, for some contexts, on the argmax) — like a real small model.
 *
 * <p>An instance holds both models' distributions shaped once with one request's temperature / top-k / top-p
 * (shaping does not depend on the seed, and the statistical tests run 10^5 requests per setting).
 */
final class ToyLanguageModel {
    static final int VOCAB = 6;

    private final SparseDistribution[] target = new SparseDistribution[VOCAB];
    private final SparseDistribution[] draft = new SparseDistribution[VOCAB];

    ToyLanguageModel(SamplingParams shaping) {
        for (int previous = 0; previous < VOCAB; previous++) {
            target[previous] = LogitsShaper.shape(targetLogits(previous), 0, VOCAB, shaping);
            draft[previous] = LogitsShaper.shape(draftLogits(previous), 0, VOCAB, shaping);
        }
    }

    /** The shaped target distribution of the token after {@code previous}. */
    SparseDistribution target(int previous) {
        return target[previous];
    }

    /** The shaped draft distribution of the token after {@code previous}. */
    SparseDistribution draft(int previous) {
        return draft[previous];
    }

    static float[] targetLogits(int previous) {
        float[] logits = new float[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
            // The bump on (previous + 1) sends greedy chains through every context, not into a fixed point.
            double bump = v == (previous + 1) % VOCAB ? 1.0 : 0.0;
            logits[v] = (float) (1.2 * Math.cos(0.9 * v + 1.3 * previous) + 0.1 * v + bump);
        }
        return logits;
    }

    static float[] draftLogits(int previous) {
        float[] logits = targetLogits(previous);
        for (int v = 0; v < VOCAB; v++) {
            logits[v] += (float) (0.9 * Math.sin(2.1 * v + 0.7 * previous));
        }
        return logits;
    }

    /** P(a, b, c) = P(a | last prompt token) · P(b | a) · P(c | b) from the shaped toy target. */
    static double[] exactJointOfFirstThree(SamplingParams params, int lastPromptToken) {
        ToyLanguageModel model = new ToyLanguageModel(params);
        double[][] next = new double[VOCAB][];
        for (int previous = 0; previous < VOCAB; previous++) {
            next[previous] = Distributions.dense(model.target(previous), VOCAB);
        }
        double[] joint = new double[VOCAB * VOCAB * VOCAB];
        double[] first = next[lastPromptToken];
        for (int a = 0; a < VOCAB; a++) {
            for (int b = 0; b < VOCAB; b++) {
                for (int c = 0; c < VOCAB; c++) {
                    joint[(a * VOCAB + b) * VOCAB + c] = first[a] * next[a][b] * next[b][c];
                }
            }
        }
        return joint;
    }

    /** What the toy target alone generates greedily after {@code prompt}. */
    static int[] targetOnlyGreedy(int[] prompt, int count) {
        int[] out = new int[count];
        int previous = prompt[prompt.length - 1];
        for (int i = 0; i < count; i++) {
            out[i] = LogitsShaper.argmax(targetLogits(previous), 0, VOCAB);
            previous = out[i];
        }
        return out;
    }
}
