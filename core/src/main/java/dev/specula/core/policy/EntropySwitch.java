package dev.specula.core.policy;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.SwitchingPolicy;
import dev.specula.core.verify.Verdict;

/**
 * Entropy-adaptive switching (Entropy Adaptive Decoding; lossy, opt-in): the small model's tokens commit without
 * verification while the rolling mean of its distribution's entropy over the last {@code window} positions stays
 * below {@code threshold} nats; from the first token that lifts the mean to the threshold on, the large model
 * decides (that token and the rest of the draft are verified as usual), until the mean falls below it again.
 *
 * <p>The window holds the drafter's entropies at committed positions only: trusted tokens, and of a verified draft
 * the accepted tokens plus the first rejected position (its context was committed; later drafted positions were
 * conditioned on a rejected token). A draft without entropies (n-gram lookup) is never trusted.
 *
 * <p>Example, window 3, threshold 1.0, window [0.2, 0.4, 0.3]: a draft with entropies [0.1, 2.9, 0.1] trusts the
 * first token (mean of [0.4, 0.3, 0.1] = 0.27) and stops at the second ([0.3, 0.1, 2.9] → 1.1 ≥ 1.0), so tokens
 * 2 and 3 go to the verifier with token 1 as unchecked context.
 */
public final class EntropySwitch implements SwitchingPolicy {
    private final double threshold;
    private final double[] ring;
    private int size;
    private int next;
    private double sum;

    public EntropySwitch(int window, double threshold) {
        if (window < 1) {
            throw new IllegalArgumentException("entropy window must be >= 1, got " + window);
        }
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("entropy threshold must be a finite number >= 0, got " + threshold);
        }
        this.ring = new double[window];
        this.threshold = threshold;
    }

    @Override
    public int unverifiedPrefix(Draft draft) {
        float[] entropies = draft.entropies();
        int trusted = 0;
        while (trusted < entropies.length) {
            double h = entropies[trusted];
            if (Double.isNaN(h) || meanWith(h) >= threshold) {
                break;
            }
            push(h);
            trusted++;
        }
        return trusted;
    }

    @Override
    public void observe(Draft verified, Verdict verdict) {
        int committedPositions = Math.min(verdict.accepted() + 1, verified.length());
        for (int i = 0; i < committedPositions; i++) {
            double h = verified.entropies()[i];
            if (!Double.isNaN(h)) {
                push(h);
            }
        }
    }

    /** The rolling mean entropy; NaN before any position was seen. */
    public double rollingEntropy() {
        return size == 0 ? Double.NaN : sum / size;
    }

    private double meanWith(double h) {
        if (size < ring.length) {
            return (sum + h) / (size + 1);
        }
        return (sum - ring[next] + h) / ring.length;
    }

    private void push(double h) {
        if (size == ring.length) {
            sum -= ring[next];
        } else {
            size++;
        }
        ring[next] = h;
        sum += h;
        next = (next + 1) % ring.length;
    }
}
