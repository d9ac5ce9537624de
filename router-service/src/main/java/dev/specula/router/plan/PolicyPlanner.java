package dev.specula.router.plan;

import dev.specula.core.policy.SpeculationPlan;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.v1.CascadeMetric;
import dev.specula.proto.v1.DraftLengthMode;
import dev.specula.proto.v1.DraftSourceKind;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.service.policy.PolicyProperties;

/**
 * A request's speculation-policy fields over the router's defaults: the plan the backends carry out. The one
 * planner of both front doors (the gRPC {@code policy} message, and the HTTP API's extension fields read into the
 * same message), so a value means the same and is refused the same way whichever door it came through. Refusals
 * name the field ({@link InvalidParameterException}: INVALID_ARGUMENT / HTTP 400).
 */
public final class PolicyPlanner {
    private final PolicyProperties defaults;
    private final int maxDraftLength;

    /** @param maxDraftLength the largest max_draft_length a request may ask for */
    public PolicyPlanner(PolicyProperties defaults, int maxDraftLength) {
        this.defaults = defaults;
        this.maxDraftLength = maxDraftLength;
    }

    /** @param draftLength the validated request's k (fixed k, and adaptive's first rounds' k) */
    public SpeculationPlan plan(SpeculationPolicy policy, int draftLength) {
        if (policy.getMaxDraftLength() < 0 || policy.getMaxDraftLength() > maxDraftLength) {
            throw new InvalidParameterException("max_draft_length", "max_draft_length must be in 1.." + maxDraftLength
                    + ", got " + policy.getMaxDraftLength());
        }
        if (policy.hasStopThreshold() && !(policy.getStopThreshold() >= 0 && policy.getStopThreshold() < 1)) {
            throw new InvalidParameterException("stop_threshold", "stop_threshold must be in [0, 1), got "
                    + policy.getStopThreshold());
        }
        if (policy.getNgramMin() < 0 || policy.getNgramMax() < 0) {
            throw new InvalidParameterException(policy.getNgramMin() < 0 ? "ngram_min" : "ngram_max",
                    "ngram_min and ngram_max must be >= 1");
        }
        if (policy.getEntropyWindow() < 0) {
            throw new InvalidParameterException("entropy_window", "entropy_window must be >= 1, got "
                    + policy.getEntropyWindow());
        }
        if (policy.hasEntropyThreshold() && !finiteNonNegative(policy.getEntropyThreshold())) {
            throw new InvalidParameterException("entropy_threshold", "entropy_threshold must be a finite number >= 0"
                    + " (nats), got " + policy.getEntropyThreshold());
        }
        if (policy.hasCascadeThreshold() && !finiteNonNegative(policy.getCascadeThreshold())) {
            throw new InvalidParameterException("cascade_threshold", "cascade_threshold must be a finite number >= 0,"
                    + " got " + policy.getCascadeThreshold());
        }
        if (policy.getDraftSource() == DraftSourceKind.UNRECOGNIZED) {
            throw new InvalidParameterException("draft_source", "unknown draft_source " + policy.getDraftSourceValue());
        }
        if (policy.getDraftLengthMode() == DraftLengthMode.UNRECOGNIZED) {
            throw new InvalidParameterException("draft_length_mode", "unknown draft_length_mode "
                    + policy.getDraftLengthModeValue());
        }
        if (policy.getCascadeMetric() == CascadeMetric.UNRECOGNIZED) {
            throw new InvalidParameterException("cascade_metric", "unknown cascade_metric "
                    + policy.getCascadeMetricValue());
        }
        SpeculationPlan base = defaults.plan(draftLength);
        // One bound set alone can cross the default of the other: name the one the request set.
        int ngramMin = policy.getNgramMin() == 0 ? base.ngramMin() : policy.getNgramMin();
        int ngramMax = policy.getNgramMax() == 0 ? Math.max(base.ngramMax(), ngramMin) : policy.getNgramMax();
        if (ngramMax < ngramMin) {
            throw new InvalidParameterException(policy.getNgramMax() != 0 ? "ngram_max" : "ngram_min",
                    "need ngram_min (" + ngramMin + ") <= ngram_max (" + ngramMax + ")");
        }
        try {
            return PolicyMapping.plan(policy, draftLength, base);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException("policy", e.getMessage());
        }
    }

    private static boolean finiteNonNegative(double value) {
        return value >= 0 && !Double.isInfinite(value);
    }
}
