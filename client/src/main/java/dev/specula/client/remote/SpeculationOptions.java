package dev.specula.client.remote;

import dev.specula.core.policy.CascadeMetric;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;

/**
 * The speculation policies a request asks for; every field left unset (null, 0 or NaN) takes the router's default.
 *
 * @param draftSource      model, n-gram lookup or hybrid; null = default
 * @param lengthMode       fixed or adaptive draft lengths; null = default
 * @param maxDraftLength   adaptive K (and the cascade's escalation chunk); 0 = default
 * @param stopThreshold    adaptive: keep drafting while P(all drafted tokens accepted) stays at or above this
 * @param ngramMin         shortest suffix match (tokens) that proposes an n-gram draft; 0 = default
 * @param ngramMax         longest suffix match compared; 0 = default
 * @param entropyWindow    entropy-adaptive W (positions); 0 = default
 * @param entropyThreshold entropy-adaptive H (nats)
 * @param cascadeMetric    how the cascade scores the small model's answer; null = default
 * @param cascadeThreshold the cascade's threshold on that score
 */
public record SpeculationOptions(DraftSourceKind draftSource, DraftLengthMode lengthMode, int maxDraftLength,
                                 double stopThreshold, int ngramMin, int ngramMax, int entropyWindow,
                                 double entropyThreshold, CascadeMetric cascadeMetric, double cascadeThreshold) {

    /** Everything from the router's defaults. */
    public static final SpeculationOptions DEFAULTS = new SpeculationOptions(null, null, 0, Double.NaN, 0, 0, 0,
            Double.NaN, null, Double.NaN);

    public SpeculationOptions withDraftSource(DraftSourceKind source) {
        return new SpeculationOptions(source, lengthMode, maxDraftLength, stopThreshold, ngramMin, ngramMax,
                entropyWindow, entropyThreshold, cascadeMetric, cascadeThreshold);
    }

    /** Adaptive lengths up to {@code maxK} (0 = the router's K). */
    public SpeculationOptions withAdaptiveLengths(int maxK) {
        return new SpeculationOptions(draftSource, DraftLengthMode.ADAPTIVE, maxK, stopThreshold, ngramMin, ngramMax,
                entropyWindow, entropyThreshold, cascadeMetric, cascadeThreshold);
    }

    public SpeculationOptions withFixedLengths() {
        return new SpeculationOptions(draftSource, DraftLengthMode.FIXED, maxDraftLength, stopThreshold, ngramMin,
                ngramMax, entropyWindow, entropyThreshold, cascadeMetric, cascadeThreshold);
    }

    public SpeculationOptions withStopThreshold(double threshold) {
        return new SpeculationOptions(draftSource, lengthMode, maxDraftLength, threshold, ngramMin, ngramMax,
                entropyWindow, entropyThreshold, cascadeMetric, cascadeThreshold);
    }

    public SpeculationOptions withNgram(int min, int max) {
        return new SpeculationOptions(draftSource, lengthMode, maxDraftLength, stopThreshold, min, max, entropyWindow,
                entropyThreshold, cascadeMetric, cascadeThreshold);
    }

    public SpeculationOptions withEntropy(int window, double threshold) {
        return new SpeculationOptions(draftSource, lengthMode, maxDraftLength, stopThreshold, ngramMin, ngramMax,
                window, threshold, cascadeMetric, cascadeThreshold);
    }

    public SpeculationOptions withCascade(CascadeMetric metric, double threshold) {
        return new SpeculationOptions(draftSource, lengthMode, maxDraftLength, stopThreshold, ngramMin, ngramMax,
                entropyWindow, entropyThreshold, metric, threshold);
    }
}
