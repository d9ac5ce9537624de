package dev.specula.core.verify;

import dev.specula.core.random.CounterRng;
import dev.specula.core.random.Purpose;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.sampling.TokenSampler;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * The lossless speculative-sampling rule (Leviathan et al. 2023; Chen et al. 2023), as one pure function.
 *
 * <p>Words, defined once (as in {@link Verdict}):
 * <ul>
 *   <li><b>accepted</b> tokens: the longest prefix of the draft that passed verification. A drafted token
 *       {@code x} at position {@code pos} passes when {@code uniform(seed, pos, ACCEPT) < min(1, target(x) /
 *       draft(x))}; greedy: when it equals the target's most likely token.</li>
 *   <li><b>recovered</b> token: at the first rejected position, a replacement drawn from
 *       norm(max(0, target − draft)) with {@code uniform(seed, pos, RECOVER)}; greedy: the target's most likely
 *       token there.</li>
 *   <li><b>bonus</b> token: when all k drafts were accepted, one more token drawn from the target at position
 *       {@code firstPosition + k} with {@code uniform(seed, firstPosition + k, BONUS)}; greedy: its most likely
 *       token.</li>
 * </ul>
 * Together they make the committed tokens distributed exactly as if drawn from the target alone, whatever the
 * draft distribution (even one whose support is disjoint from the target's).
 *
 * <p>Randomness comes from {@link CounterRng}, keyed by request seed, absolute position and purpose, and a number
 * is drawn only when the outcome depends on it (acceptance ratio strictly between 0 and 1, more than one
 * candidate token). The residual is walked in the target's stored order (descending probability), so any
 * implementation that follows that order reproduces our verdicts exactly.
 *
 * <p>Imports nothing from loop, runtime or service code: inputs are distributions, output is a {@link Verdict}.
 */
public final class RejectionSampler {

    private RejectionSampler() {
    }

    /**
     * Verifies a draft of k tokens.
     *
     * @param draftTokens   [k] drafted token ids; token i sits at absolute position {@code firstPosition + i}
     * @param draftProbs    [k] the distribution each drafted token was drawn from ({@code draftProbs[i]} gave
     *                      {@code draftTokens[i]}, so it has mass there); null for greedy verification
     * @param targetProbs   [k + 1] the target's shaped distribution at each drafted position, plus one more
     *                      for the bonus; in greedy mode point masses (their most likely token is used)
     * @param seed          the request seed
     * @param firstPosition absolute position of the first drafted token in the committed sequence
     * @return accepted count, the recovered or bonus token, the target probability of each examined drafted
     *     token and the entropy of the sparse target at the position of the recovered or bonus token
     */
    public static Verdict verify(int[] draftTokens, SparseDistribution[] draftProbs, SparseDistribution[] targetProbs,
            long seed, long firstPosition) {
        if (targetProbs.length != draftTokens.length + 1) {
            throw new IllegalArgumentException("need " + (draftTokens.length + 1) + " target distributions (one per "
                    + "drafted token and one for the bonus), got " + targetProbs.length);
        }
        return verify(draftTokens, draftProbs, i -> targetProbs[i], seed, firstPosition);
    }

    /**
     * As {@link #verify(int[], SparseDistribution[], SparseDistribution[], long, long)}, with target distributions
     * computed on demand: {@code targetProbs.apply(i)} is called at most once per i, in order, and only up to the
     * first rejection (so a verifier shapes no logits row it does not need).
     */
    static Verdict verify(int[] draftTokens, SparseDistribution[] draftProbs,
            IntFunction<SparseDistribution> targetProbs, long seed, long firstPosition) {
        int k = draftTokens.length;
        if (draftProbs != null && draftProbs.length != k) {
            throw new IllegalArgumentException("need one draft distribution per drafted token: " + k + " tokens, "
                    + draftProbs.length + " distributions");
        }
        float[] targetProbOfDrafts = new float[k];
        for (int i = 0; i < k; i++) {
            SparseDistribution target = targetProbs.apply(i);
            long position = firstPosition + i;
            int drafted = draftTokens[i];
            targetProbOfDrafts[i] = target.probOf(drafted);
            boolean accepted = draftProbs == null
                    ? drafted == mostLikely(target)
                    : passes(drafted, targetProbOfDrafts[i], draftProbs[i], seed, position);
            if (!accepted) {
                int recovered = draftProbs == null
                        ? mostLikely(target)
                        : recover(target, draftProbs[i], seed, position);
                return new Verdict(i, recovered, false, Arrays.copyOf(targetProbOfDrafts, i + 1), entropy(target));
            }
        }
        SparseDistribution target = targetProbs.apply(k);
        int bonus = draftProbs == null ? mostLikely(target) : draw(target, seed, firstPosition + k, Purpose.BONUS);
        return new Verdict(k, bonus, true, targetProbOfDrafts, entropy(target));
    }

    /** The accept test; draws a number only when the ratio leaves the outcome open. */
    private static boolean passes(int drafted, float targetProb, SparseDistribution draftProbs, long seed,
            long position) {
        float draftProb = draftProbs.probOf(drafted);
        if (!(draftProb > 0f)) {
            throw new IllegalArgumentException("drafted token " + drafted + " at position " + position
                    + " has no mass in its draft distribution, so it was not drawn from it");
        }
        double ratio = (double) targetProb / draftProb;
        if (ratio >= 1.0) {
            return true;
        }
        return ratio > 0.0 && CounterRng.uniform(seed, position, Purpose.ACCEPT) < ratio;
    }

    /**
     * Draws from norm(max(0, target − draft)). Its support lies inside the target's, so the walk follows the
     * target's stored order. Zero residual mass (possible only through float rounding) falls back to the target.
     */
    private static int recover(SparseDistribution target, SparseDistribution draftProbs, long seed, long position) {
        SupportIndex draft = new SupportIndex(draftProbs);
        int n = target.size();
        double[] residual = new double[n];
        double mass = 0.0;
        int positive = 0;
        int lastPositive = -1;
        for (int j = 0; j < n; j++) {
            double r = (double) target.prob(j) - draft.probOf(target.token(j));
            if (r > 0.0) {
                residual[j] = r;
                mass += r;
                positive++;
                lastPositive = j;
            }
        }
        if (positive == 0) {
            return draw(target, seed, position, Purpose.RECOVER);
        }
        if (positive == 1) {
            return target.token(lastPositive);
        }
        double threshold = CounterRng.uniform(seed, position, Purpose.RECOVER) * mass;
        double cumulative = 0.0;
        for (int j = 0; j < lastPositive; j++) {
            cumulative += residual[j];
            if (residual[j] > 0.0 && threshold < cumulative) {
                return target.token(j);
            }
        }
        return target.token(lastPositive);
    }

    private static int draw(SparseDistribution d, long seed, long position, Purpose purpose) {
        return d.size() == 1 ? d.token(0) : TokenSampler.sample(d, CounterRng.uniform(seed, position, purpose));
    }

    /** The most probable token, ties to the lowest id (stored order is normally descending already). */
    static int mostLikely(SparseDistribution d) {
        int best = d.token(0);
        float bestProb = d.prob(0);
        for (int i = 1; i < d.size(); i++) {
            float p = d.prob(i);
            if (p > bestProb || (p == bestProb && d.token(i) < best)) {
                best = d.token(i);
                bestProb = p;
            }
        }
        return best;
    }

    /** Entropy in nats of a sparse distribution. */
    static float entropy(SparseDistribution d) {
        double h = 0.0;
        for (int i = 0; i < d.size(); i++) {
            double p = d.prob(i);
            if (p > 0.0) {
                h -= p * Math.log(p);
            }
        }
        return (float) Math.max(0.0, h);
    }
}
