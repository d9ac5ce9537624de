package dev.specula.core.verify;

import dev.specula.core.random.CounterRng;
import dev.specula.core.random.Purpose;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.testing.Distributions;

/**
 * The rejection rule written the slow, obvious way, over dense vocabulary-sized arrays: the oracle that
 * {@link RejectionSampler} must match verdict for verdict. It always draws its random numbers (the optimised
 * version skips draws whose outcome is already decided; with a counter-based generator that must not matter).
 * The only convention it shares with the optimised code is the walk order of the target (its stored order).
 */
final class NaiveRejectionSampler {

    /** The correct rule, and classic bugs kept as mutants so that tests can show the gates catch them. */
    enum Variant {
        CORRECT,
        /** Resamples a rejected position from the target instead of the residual (over-weights the draft's picks). */
        RECOVER_FROM_TARGET,
        /** Reuses the accept test's number for the recovered draw (correlated streams). */
        SHARED_RANDOMNESS
    }

    private NaiveRejectionSampler() {
    }

    static Verdict verify(int vocab, int[] draftTokens, SparseDistribution[] draftProbs,
            SparseDistribution[] targetProbs, long seed, long firstPosition, Variant variant) {
        int k = draftTokens.length;
        float[] targetProbOfDrafts = new float[k];
        for (int i = 0; i < k; i++) {
            double[] target = Distributions.dense(targetProbs[i], vocab);
            long position = firstPosition + i;
            int x = draftTokens[i];
            targetProbOfDrafts[i] = (float) target[x];
            if (draftProbs == null) {
                int best = argmax(target);
                if (x != best) {
                    return new Verdict(i, best, false, copy(targetProbOfDrafts, i + 1), entropy(target));
                }
                continue;
            }
            double[] draft = Distributions.dense(draftProbs[i], vocab);
            double u = CounterRng.uniform(seed, position, Purpose.ACCEPT);
            if (u < Math.min(1.0, target[x] / draft[x])) {
                continue;
            }
            double v = variant == Variant.SHARED_RANDOMNESS ? u : CounterRng.uniform(seed, position, Purpose.RECOVER);
            int recovered;
            if (variant == Variant.RECOVER_FROM_TARGET) {
                recovered = sampleTarget(targetProbs[i], v);
            } else {
                double[] residual = new double[vocab];
                for (int t = 0; t < vocab; t++) {
                    residual[t] = Math.max(0.0, target[t] - draft[t]);
                }
                recovered = sampleResidual(targetProbs[i], residual, v);
            }
            return new Verdict(i, recovered, false, copy(targetProbOfDrafts, i + 1), entropy(target));
        }
        double[] target = Distributions.dense(targetProbs[k], vocab);
        int bonus = draftProbs == null ? argmax(target)
                : sampleTarget(targetProbs[k], CounterRng.uniform(seed, firstPosition + k, Purpose.BONUS));
        return new Verdict(k, bonus, true, targetProbOfDrafts, entropy(target));
    }

    /** Inverse CDF in stored order: the first token whose cumulative probability exceeds u, else the last. */
    private static int sampleTarget(SparseDistribution target, double u) {
        double cumulative = 0.0;
        for (int j = 0; j < target.size(); j++) {
            cumulative += target.prob(j);
            if (u < cumulative) {
                return target.token(j);
            }
        }
        return target.token(target.size() - 1);
    }

    /**
     * Draws from the dense, unnormalised {@code residual}, walking tokens in the target's stored order: the first
     * token whose cumulative residual exceeds u × (residual mass). No residual mass at all: draw from the target.
     */
    private static int sampleResidual(SparseDistribution target, double[] residual, double u) {
        double mass = 0.0;
        for (int j = 0; j < target.size(); j++) {
            mass += residual[target.token(j)];
        }
        if (mass == 0.0) {
            return sampleTarget(target, u);
        }
        double cumulative = 0.0;
        int lastWithMass = -1;
        for (int j = 0; j < target.size(); j++) {
            int token = target.token(j);
            if (residual[token] > 0.0) {
                cumulative += residual[token];
                lastWithMass = token;
                if (u * mass < cumulative) {
                    return token;
                }
            }
        }
        return lastWithMass;
    }

    private static int argmax(double[] probs) {
        int best = 0;
        for (int t = 1; t < probs.length; t++) {
            if (probs[t] > probs[best]) {
                best = t;
            }
        }
        return best;
    }

    private static float entropy(double[] probs) {
        double h = 0.0;
        for (double p : probs) {
            if (p > 0.0) {
                h -= p * Math.log(p);
            }
        }
        return (float) h;
    }

    private static float[] copy(float[] values, int length) {
        float[] out = new float[length];
        System.arraycopy(values, 0, out, 0, length);
        return out;
    }
}
