package dev.specula.core.sampling;

import java.util.Arrays;
import java.util.Objects;

/**
 * Turns one row of logits into the distribution a request samples from: temperature, then top-k, then top-p,
 * then renormalisation. The drafter and the verifier run exactly this code on their own logits, which is what
 * makes the verifier's target distribution the one the request asked for.
 *
 * <p>All methods read the row {@code logits[offset .. offset + vocab)}. Arithmetic is in double precision with
 * the row maximum subtracted before {@code exp}, so huge or tiny logits neither overflow nor lose the head.
 * Logits may be {@code -Infinity} (masked tokens); NaN and {@code +Infinity} are rejected by {@link #shape}.
 */
public final class LogitsShaper {

    private LogitsShaper() {
    }

    /**
     * The shaped distribution of one row.
     *
     * <p>Greedy (temperature 0) gives a point mass at the argmax. Otherwise: softmax(logits / T); keep the
     * {@code topK} most likely tokens (if topK > 0); of those keep the smallest prefix, by descending probability,
     * whose mass reaches {@code topP} of the kept mass (at least one token); renormalise. The result lists tokens
     * by descending probability, ties by ascending id. Tokens whose probability underflows to 0 are left out.
     *
     * <p>Example: logits [2, 1, 0], T = 1 → probabilities [0.665, 0.245, 0.090]. topK = 2 → tokens [0, 1] with
     * [0.731, 0.269]. topP = 0.6 → token 0 alone (0.665 ≥ 0.6). topP = 0.7 → tokens [0, 1] again, because
     * 0.665 &lt; 0.7 ≤ 0.665 + 0.245.
     */
    public static SparseDistribution shape(float[] logits, int offset, int vocab, SamplingParams params) {
        checkRow(logits, offset, vocab);
        if (params.greedy()) {
            return SparseDistribution.pointMass(argmax(logits, offset, vocab));
        }
        double max = checkedMax(logits, offset, vocab);
        double temperature = params.temperature();
        double[] weights = new double[vocab];
        int[] candidates = new int[vocab];
        int count = 0;
        double total = 0.0;
        for (int i = 0; i < vocab; i++) {
            double w = Math.exp((logits[offset + i] - max) / temperature);
            weights[i] = w;
            if (w > 0.0) {
                candidates[count++] = i;
                total += w;
            }
        }
        TokenRanking ranking = new TokenRanking(weights, candidates, count);
        int[] kept;
        int keptCount;
        if (params.topK() > 0 && params.topK() < count) {
            // Top-k first; top-p then measures mass relative to the renormalised top-k set.
            kept = new int[params.topK()];
            double keptMass = 0.0;
            for (int j = 0; j < kept.length; j++) {
                kept[j] = ranking.next();
                keptMass += weights[kept[j]];
            }
            keptCount = prefixReaching(kept, kept.length, weights, params.topP() * keptMass);
        } else {
            kept = new int[count];
            keptCount = popUntilMass(ranking, kept, weights, params.topP() >= 1.0 ? Double.POSITIVE_INFINITY
                    : params.topP() * total);
        }
        return normalised(kept, keptCount, weights);
    }

    /** Index of the largest logit in the row, ties to the lowest id; NaN never wins. Returns a row-relative id. */
    public static int argmax(float[] logits, int offset, int vocab) {
        checkRow(logits, offset, vocab);
        int best = 0;
        float bestLogit = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float x = logits[offset + i];
            if (x > bestLogit) {
                bestLogit = x;
                best = i;
            }
        }
        return best;
    }

    /**
     * Entropy in nats of softmax(logits / T) over the whole row (before any top-k / top-p), T = 0 read as 1.
     * Uses H = ln Z − Σ p_i s_i with s_i = (l_i − max) / T, so no log of a tiny probability is ever taken.
     */
    public static double entropy(float[] logits, int offset, int vocab, double temperature) {
        checkRow(logits, offset, vocab);
        double t = temperature == 0.0 ? 1.0 : temperature;
        double max = checkedMax(logits, offset, vocab);
        double z = 0.0;
        double weightedScores = 0.0;
        for (int i = 0; i < vocab; i++) {
            double s = (logits[offset + i] - max) / t;
            double e = Math.exp(s);
            if (e > 0.0) {
                z += e;
                weightedScores += e * s;
            }
        }
        return Math.max(0.0, Math.log(z) - weightedScores / z);
    }

    /** Writes log softmax(logits) (temperature 1) of the row into {@code out[0 .. vocab)}. */
    public static void logSoftmax(float[] logits, int offset, int vocab, double[] out) {
        checkRow(logits, offset, vocab);
        if (out.length < vocab) {
            throw new IllegalArgumentException("out holds " + out.length + " values, row has " + vocab);
        }
        double max = checkedMax(logits, offset, vocab);
        double z = 0.0;
        for (int i = 0; i < vocab; i++) {
            z += Math.exp(logits[offset + i] - max);
        }
        double logZ = Math.log(z);
        for (int i = 0; i < vocab; i++) {
            out[i] = logits[offset + i] - max - logZ;
        }
    }

    /** Pops ranked tokens into {@code kept} until their mass reaches {@code massGoal}; at least one. */
    private static int popUntilMass(TokenRanking ranking, int[] kept, double[] weights, double massGoal) {
        int n = 0;
        double cumulative = 0.0;
        do {
            kept[n] = ranking.next();
            cumulative += weights[kept[n]];
            n++;
        } while (cumulative < massGoal && ranking.hasNext());
        return n;
    }

    /** Length of the shortest prefix of {@code ranked} whose mass reaches {@code massGoal}; at least one. */
    private static int prefixReaching(int[] ranked, int count, double[] weights, double massGoal) {
        double cumulative = 0.0;
        for (int j = 0; j < count; j++) {
            cumulative += weights[ranked[j]];
            if (cumulative >= massGoal) {
                return j + 1;
            }
        }
        return count;
    }

    private static SparseDistribution normalised(int[] ranked, int count, double[] weights) {
        double mass = 0.0;
        for (int j = 0; j < count; j++) {
            mass += weights[ranked[j]];
        }
        float[] probs = new float[count];
        int positive = 0;
        // Descending order means the first float that underflows to 0 ends the support.
        while (positive < count) {
            float p = (float) (weights[ranked[positive]] / mass);
            if (p == 0f) {
                break;
            }
            probs[positive++] = p;
        }
        int[] tokens = new int[positive];
        System.arraycopy(ranked, 0, tokens, 0, positive);
        float[] trimmed = positive == count ? probs : Arrays.copyOf(probs, positive);
        return new SparseDistribution(tokens, trimmed);
    }

    /** The row maximum; rejects rows a model should never produce (NaN, +Infinity, everything masked). */
    private static double checkedMax(float[] logits, int offset, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float x = logits[offset + i];
            if (Float.isNaN(x) || x == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logit " + i + " of the row is " + x);
            }
            max = Math.max(max, x);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every logit of the row is -Infinity");
        }
        return max;
    }

    private static void checkRow(float[] logits, int offset, int vocab) {
        if (vocab <= 0) {
            throw new IllegalArgumentException("vocab must be > 0, got " + vocab);
        }
        Objects.checkFromIndexSize(offset, vocab, logits.length);
    }
}
