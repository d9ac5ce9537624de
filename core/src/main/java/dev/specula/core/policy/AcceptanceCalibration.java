package dev.specula.core.policy;

import dev.specula.core.loop.Draft;
import dev.specula.core.verify.Verdict;

/**
 * Maps the drafter's confidence in a token to the probability that the verifier accepts it, learned online for one
 * request: confidences fall into equal-width bins over [0, 1], each bin counts the drafted tokens examined and
 * accepted, and a prior of {@code priorWeight} pseudo-tokens trusts the confidence as it is (the bin's centre).
 *
 * <pre>  predict(c) = (accepted[b] + w · centre[b]) / (examined[b] + w),  b = bin of c</pre>
 *
 * Example, 10 bins, w = 4: before any data predict(0.93) = 0.95; after 6 tokens of that bin of which 3 were
 * accepted, predict(0.93) = (3 + 4 · 0.95) / (6 + 4) = 0.68. Only examined tokens count: the accepted prefix and
 * the first rejected token; tokens after a rejection were never checked.
 */
public final class AcceptanceCalibration {
    private final double[] accepted;
    private final double[] examined;
    private final double priorWeight;

    public AcceptanceCalibration(int bins, double priorWeight) {
        if (bins < 1 || !(priorWeight > 0)) {
            throw new IllegalArgumentException("need >= 1 bin and a positive prior weight");
        }
        this.accepted = new double[bins];
        this.examined = new double[bins];
        this.priorWeight = priorWeight;
    }

    /** Predicted probability that a drafted token of this confidence is accepted, given the earlier ones were. */
    public double predict(float confidence) {
        int b = bin(confidence);
        double centre = (b + 0.5) / accepted.length;
        return (accepted[b] + priorWeight * centre) / (examined[b] + priorWeight);
    }

    /** Records the outcome of each examined token of a verified draft. */
    public void observe(Draft draft, Verdict verdict) {
        int examinedTokens = Math.min(verdict.accepted() + 1, draft.length());
        for (int i = 0; i < examinedTokens; i++) {
            int b = bin(draft.confidences()[i]);
            examined[b]++;
            if (i < verdict.accepted()) {
                accepted[b]++;
            }
        }
    }

    private int bin(float confidence) {
        if (!(confidence > 0f)) {
            return 0;
        }
        return Math.min(accepted.length - 1, (int) (confidence * accepted.length));
    }
}
