package dev.specula.core.policy;

import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.RoundTrace;

/**
 * The threshold stop rule (SpecDec++ shows the optimal stopping policy is a threshold; Kangaroo uses the drafter's
 * own confidence as a training-free predictor): keep drafting while the predicted probability that every token
 * drafted so far will be accepted stays at or above {@code threshold}, up to {@code maxLength} tokens. The
 * prediction is the product of the {@link AcceptanceCalibration calibrated} confidences of the drafted tokens, so
 * it learns how far this request's drafter can be trusted.
 *
 * <p>Example, threshold 0.3, calibrated predictions 0.9, 0.8, 0.5: running products 0.9, 0.72, 0.36, then a token
 * predicted at 0.7 brings it to 0.25 &lt; 0.3 and the draft ends with that fourth token (it is verified anyway: the
 * verifier's forward covers it almost for free, and a rejection there costs nothing the round would have had).
 */
public final class ThresholdDraftLength implements DraftLengthPolicy {
    /** Bins of the confidence histogram and pseudo-tokens of its prior. */
    static final int BINS = 10;
    static final double PRIOR_WEIGHT = 4;

    private final int maxLength;
    private final double threshold;
    private final AcceptanceCalibration calibration = new AcceptanceCalibration(BINS, PRIOR_WEIGHT);

    /**
     * @param maxLength most tokens per draft (K)
     * @param threshold in [0, 1): 0 never stops early; higher stops sooner
     */
    public ThresholdDraftLength(int maxLength, double threshold) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("max draft length must be >= 1, got " + maxLength);
        }
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("stop threshold must be in [0, 1), got " + threshold);
        }
        this.maxLength = maxLength;
        this.threshold = threshold;
    }

    @Override
    public int nextLength(LoopStats stats) {
        return maxLength;
    }

    @Override
    public DraftStopRule stopRule() {
        double[] allAccepted = {1.0};
        return (index, confidence) -> {
            allAccepted[0] *= calibration.predict(confidence);
            return allAccepted[0] < threshold;
        };
    }

    @Override
    public void observe(RoundTrace round) {
        calibration.observe(round.draft(), round.verdict());
    }

    /** The calibrated acceptance prediction for a confidence (diagnostics and tests). */
    public double predictAcceptance(float confidence) {
        return calibration.predict(confidence);
    }
}
