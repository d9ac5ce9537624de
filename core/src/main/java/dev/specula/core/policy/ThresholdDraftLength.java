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
 *
 * <p>The threshold is set for a verifier next door. Over a long link each round also pays a round trip that does
 * not grow with the draft, so a token is worth more: it saves a share of that fixed cost. One more drafted token
 * pays off while P(all accepted) × (round cost per committed token) exceeds its own marginal cost (drafting and
 * verifying it); holding the acceptance and the marginal cost equal, adding network time n to a round whose local
 * cost (draft + the verifier's own time) is L scales the break-even probability by L / (L + n). So the rule stops
 * below {@code threshold · L / (L + n)}, with L and n averaged over the measured rounds (the verdict's
 * {@code verify_micros} splits the round). Where the verifier does not report its time, or the link adds nothing,
 * n = 0 and the threshold is the configured one.
 */
public final class ThresholdDraftLength implements DraftLengthPolicy {
    /** Bins of the confidence histogram and pseudo-tokens of its prior. */
    static final int BINS = 10;
    static final double PRIOR_WEIGHT = 4;
    /** Weight the past keeps per observed round (as the goodput policy's timings). */
    private static final double DECAY = 0.9;

    private final int maxLength;
    private final double threshold;
    private final AcceptanceCalibration calibration = new AcceptanceCalibration(BINS, PRIOR_WEIGHT);
    private boolean sawFirstRound;
    private double timedRounds;
    private double localNanos;
    private double networkNanos;

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
        double stopBelow = effectiveThreshold();
        double[] allAccepted = {1.0};
        return (index, confidence) -> {
            allAccepted[0] *= calibration.predict(confidence);
            return allAccepted[0] < stopBelow;
        };
    }

    /** The threshold scaled by the rounds' local share of their cost, L / (L + n); the configured one until timed. */
    public double effectiveThreshold() {
        if (timedRounds == 0 || networkNanos <= 0) {
            return threshold;
        }
        double local = localNanos / timedRounds;
        double network = networkNanos / timedRounds;
        return threshold * local / (local + network);
    }

    @Override
    public void observe(RoundTrace round) {
        calibration.observe(round.draft(), round.verdict());
        // The first round's verifier time carries the prompt's prefill: not a round's fixed cost.
        if (sawFirstRound && round.serverNanos() >= 0 && round.serverNanos() <= round.verifyNanos()) {
            timedRounds = DECAY * timedRounds + 1;
            localNanos = DECAY * localNanos + round.draftNanos() + round.serverNanos();
            networkNanos = DECAY * networkNanos + (round.verifyNanos() - round.serverNanos());
        }
        sawFirstRound = true;
    }

    /** The calibrated acceptance prediction for a confidence (diagnostics and tests). */
    public double predictAcceptance(float confidence) {
        return calibration.predict(confidence);
    }
}
