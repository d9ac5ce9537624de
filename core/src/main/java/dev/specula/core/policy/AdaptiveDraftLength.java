package dev.specula.core.policy;

import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.RoundTrace;

/**
 * Both adaptive rules at once: the load-aware {@link GoodputDraftLength} caps each round's draft (down to 0 when
 * speculation would add latency), and within that cap the {@link ThresholdDraftLength} stop rule ends the draft
 * as soon as the calibrated probability that every drafted token is accepted falls below its threshold.
 */
public final class AdaptiveDraftLength implements DraftLengthPolicy {
    private final GoodputDraftLength cap;
    private final ThresholdDraftLength stop;

    public AdaptiveDraftLength(GoodputDraftLength cap, ThresholdDraftLength stop) {
        this.cap = cap;
        this.stop = stop;
    }

    /** K, the first rounds' length, the stop threshold and σ₀ as in the two policies' constructors. */
    public static AdaptiveDraftLength of(int maxLength, int initialLength, double stopThreshold, double marginalCost) {
        return new AdaptiveDraftLength(new GoodputDraftLength(maxLength, initialLength, marginalCost),
                new ThresholdDraftLength(maxLength, stopThreshold));
    }

    @Override
    public int nextLength(LoopStats stats) {
        return cap.nextLength(stats);
    }

    @Override
    public int extraPlainSteps() {
        return cap.extraPlainSteps();
    }

    @Override
    public DraftStopRule stopRule() {
        return stop.stopRule();
    }

    @Override
    public void observe(RoundTrace round) {
        cap.observe(round);
        stop.observe(round);
    }
}
