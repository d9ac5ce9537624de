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
 * Logits may be {@code -Infinity} (masked tokens). A row with NaN or {@code +Infinity}, or with every token
 * masked, is a broken model output: every method except {@link #argmax} rejects it with an
 * {@link IllegalArgumentException} rather than sample from it.
 */
public final class LogitsShaper {
    /** Candidates tried first for top-p without top-k, before ranking a whole large vocabulary. */
    private static final int TOP_P_HEAD = 1024;

    private LogitsShaper() {
    }

    /**
     * The shaped distribution of one row.
     *
     * <p>Greedy (temperature 0) gives a point mass at the argmax. Otherwise: softmax(logits / T); keep the
     * {@code topK} most likely tokens (if topK > 0); of those keep the smallest prefix, by descending probability,
     * whose mass reaches {@code topP} of the kept mass (at least one token); renormalise. The result lists tokens
     * by descending probability, ties by ascending id (ranked by logit, which orders probabilities the same way and
     * keeps ties exact). Masked tokens and tokens whose probability underflows to 0 are left out.
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
        boolean truncateK = params.topK() > 0 && params.topK() < vocab;
        boolean truncateP = params.topP() < 1.0;
        long[] ranked;
        double rowMassGoal = Double.NaN;
        if (truncateK) {
            // Top-k renormalises over the kept tokens only, so with a small k just k exponentials are needed.
            ranked = TokenOrder.best(logits, offset, vocab, params.topK());
        } else if (truncateP) {
            rowMassGoal = params.topP() * rowMass(logits, offset, vocab, max, temperature);
            ranked = headReaching(logits, offset, vocab, max, temperature, rowMassGoal);
        } else {
            ranked = TokenOrder.all(logits, offset, vocab);
        }
        double[] weights = weights(logits, offset, ranked, max, temperature);
        // Top-p after top-k measures mass within the renormalised top-k set (as Hugging Face and vLLM do).
        double massGoal = !truncateP ? Double.POSITIVE_INFINITY
                : truncateK ? params.topP() * sum(weights) : rowMassGoal;
        return normalised(ranked, weights, prefixReaching(weights, massGoal));
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

    /**
     * Ranked tokens whose total weight reaches {@code massGoal}. Language models put most of the mass on a few
     * tokens, so the best {@value #TOP_P_HEAD} usually suffice and the vocabulary is never sorted; a flat row costs
     * one extra linear pass before ranking everything.
     */
    private static long[] headReaching(float[] logits, int offset, int vocab, double max, double temperature,
            double massGoal) {
        if (vocab > 4 * TOP_P_HEAD) {
            long[] head = TokenOrder.best(logits, offset, vocab, TOP_P_HEAD);
            if (sum(weights(logits, offset, head, max, temperature)) >= massGoal) {
                return head;
            }
        }
        return TokenOrder.all(logits, offset, vocab);
    }

    /** exp((logit − max) / T) of each ranked token, in ranked order. */
    private static double[] weights(float[] logits, int offset, long[] ranked, double max, double temperature) {
        double[] weights = new double[ranked.length];
        for (int j = 0; j < ranked.length; j++) {
            weights[j] = Math.exp((logits[offset + TokenOrder.id(ranked[j])] - max) / temperature);
        }
        return weights;
    }

    /** The softmax denominator of the whole row (after max subtraction). */
    private static double rowMass(float[] logits, int offset, int vocab, double max, double temperature) {
        double mass = 0.0;
        for (int i = 0; i < vocab; i++) {
            mass += Math.exp((logits[offset + i] - max) / temperature);
        }
        return mass;
    }

    private static double sum(double[] values) {
        double total = 0.0;
        for (double v : values) {
            total += v;
        }
        return total;
    }

    /** Length of the shortest prefix of {@code weights} whose sum reaches {@code massGoal}; at least one. */
    private static int prefixReaching(double[] weights, double massGoal) {
        double cumulative = 0.0;
        for (int j = 0; j < weights.length; j++) {
            cumulative += weights[j];
            if (cumulative >= massGoal) {
                return j + 1;
            }
        }
        return weights.length;
    }

    /** The first {@code count} ranked tokens, renormalised; the tail whose probability underflows to 0 is cut. */
    private static SparseDistribution normalised(long[] ranked, double[] weights, int count) {
        double mass = 0.0;
        for (int j = 0; j < count; j++) {
            mass += weights[j];
        }
        float[] probs = new float[count];
        int positive = 0;
        while (positive < count) {
            float p = (float) (weights[positive] / mass);
            if (p == 0f) {
                break;
            }
            probs[positive++] = p;
        }
        int[] tokens = new int[positive];
        for (int j = 0; j < positive; j++) {
            tokens[j] = TokenOrder.id(ranked[j]);
        }
        return new SparseDistribution(tokens, positive == count ? probs : Arrays.copyOf(probs, positive));
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
