package dev.specula.proto.mapping;

import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.policy.CascadeMetric;
import dev.specula.core.policy.CascadeRule;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.proto.v1.SpeculationPolicy;

/**
 * Maps the speculation-policy messages ({@link SpeculationPolicy}, the policy enums, {@code VerifierLoad}) to and
 * from core's {@link SpeculationPlan} and friends. Unset request fields take the serving component's defaults;
 * invalid values throw {@link IllegalArgumentException} (INVALID_ARGUMENT at the service edge).
 */
public final class PolicyMapping {

    private PolicyMapping() {
    }

    /**
     * The plan a request asks for, with unset fields taken from {@code defaults}.
     *
     * @param draftLength the request's fixed k (0 = unset); with adaptive lengths, the first rounds' k
     */
    public static SpeculationPlan plan(SpeculationPolicy policy, int draftLength, SpeculationPlan defaults) {
        DraftSourceKind source = policy.getDraftSource() == dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_UNSPECIFIED
                ? defaults.draftSource() : draftSource(policy.getDraftSource());
        DraftLengthMode lengthMode = policy.getDraftLengthMode() == dev.specula.proto.v1.DraftLengthMode.DRAFT_LENGTH_MODE_UNSPECIFIED
                ? defaults.lengthMode() : lengthMode(policy.getDraftLengthMode());
        int maxK = policy.getMaxDraftLength() == 0 ? defaults.maxDraftLength() : policy.getMaxDraftLength();
        int k = draftLength == 0 ? Math.min(defaults.draftLength(), maxK) : draftLength;
        if (lengthMode == DraftLengthMode.FIXED) {
            maxK = Math.max(maxK, k); // a fixed k is bounded by the caller's own limit, not by adaptive's K
        } else {
            k = Math.min(k, maxK);
        }
        CascadeRule cascade = new CascadeRule(
                policy.getCascadeMetric() == dev.specula.proto.v1.CascadeMetric.CASCADE_METRIC_UNSPECIFIED
                        ? defaults.cascade().metric() : cascadeMetric(policy.getCascadeMetric()),
                policy.hasCascadeThreshold() ? policy.getCascadeThreshold() : defaults.cascade().threshold());
        return new SpeculationPlan(source, lengthMode, k, maxK,
                policy.hasStopThreshold() ? policy.getStopThreshold() : defaults.stopThreshold(),
                defaults.marginalCost(),
                policy.getNgramMin() == 0 ? defaults.ngramMin() : policy.getNgramMin(),
                policy.getNgramMax() == 0 ? Math.max(defaults.ngramMax(), policy.getNgramMin()) : policy.getNgramMax(),
                policy.getEntropyWindow() == 0 ? defaults.entropyWindow() : policy.getEntropyWindow(),
                policy.hasEntropyThreshold() ? policy.getEntropyThreshold() : defaults.entropyThreshold(),
                cascade);
    }

    /** Every field of a plan, set explicitly (what a planner forwards so that no other default applies). */
    public static SpeculationPolicy policy(SpeculationPlan plan) {
        return SpeculationPolicy.newBuilder()
                .setDraftSource(draftSource(plan.draftSource()))
                .setDraftLengthMode(lengthMode(plan.lengthMode()))
                .setMaxDraftLength(plan.maxDraftLength())
                .setStopThreshold(plan.stopThreshold())
                .setNgramMin(plan.ngramMin())
                .setNgramMax(plan.ngramMax())
                .setEntropyWindow(plan.entropyWindow())
                .setEntropyThreshold(plan.entropyThreshold())
                .setCascadeMetric(cascadeMetric(plan.cascade().metric()))
                .setCascadeThreshold(plan.cascade().threshold())
                .build();
    }

    public static DraftSourceKind draftSource(dev.specula.proto.v1.DraftSourceKind proto) {
        return switch (proto) {
            case DRAFT_SOURCE_KIND_MODEL -> DraftSourceKind.MODEL;
            case DRAFT_SOURCE_KIND_NGRAM -> DraftSourceKind.NGRAM;
            case DRAFT_SOURCE_KIND_HYBRID -> DraftSourceKind.HYBRID;
            case DRAFT_SOURCE_KIND_NONE -> DraftSourceKind.NONE;
            default -> throw new IllegalArgumentException("unknown draft source " + proto);
        };
    }

    public static dev.specula.proto.v1.DraftSourceKind draftSource(DraftSourceKind kind) {
        return switch (kind) {
            case MODEL -> dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_MODEL;
            case NGRAM -> dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM;
            case HYBRID -> dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_HYBRID;
            case NONE -> dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_NONE;
        };
    }

    public static DraftLengthMode lengthMode(dev.specula.proto.v1.DraftLengthMode proto) {
        return switch (proto) {
            case DRAFT_LENGTH_MODE_FIXED -> DraftLengthMode.FIXED;
            case DRAFT_LENGTH_MODE_ADAPTIVE -> DraftLengthMode.ADAPTIVE;
            default -> throw new IllegalArgumentException("unknown draft length mode " + proto);
        };
    }

    public static dev.specula.proto.v1.DraftLengthMode lengthMode(DraftLengthMode mode) {
        return switch (mode) {
            case FIXED -> dev.specula.proto.v1.DraftLengthMode.DRAFT_LENGTH_MODE_FIXED;
            case ADAPTIVE -> dev.specula.proto.v1.DraftLengthMode.DRAFT_LENGTH_MODE_ADAPTIVE;
        };
    }

    public static CascadeMetric cascadeMetric(dev.specula.proto.v1.CascadeMetric proto) {
        return switch (proto) {
            case CASCADE_METRIC_MEAN_ENTROPY -> CascadeMetric.MEAN_ENTROPY;
            case CASCADE_METRIC_MIN_PROBABILITY -> CascadeMetric.MIN_PROBABILITY;
            default -> throw new IllegalArgumentException("unknown cascade metric " + proto);
        };
    }

    public static dev.specula.proto.v1.CascadeMetric cascadeMetric(CascadeMetric metric) {
        return switch (metric) {
            case MEAN_ENTROPY -> dev.specula.proto.v1.CascadeMetric.CASCADE_METRIC_MEAN_ENTROPY;
            case MIN_PROBABILITY -> dev.specula.proto.v1.CascadeMetric.CASCADE_METRIC_MIN_PROBABILITY;
        };
    }

    public static VerifierLoad load(dev.specula.proto.v1.VerifierLoad proto) {
        return new VerifierLoad(proto.getRunningSessions(), proto.getQueueDepth(), proto.getBatchSize());
    }

    public static dev.specula.proto.v1.VerifierLoad load(VerifierLoad load) {
        return dev.specula.proto.v1.VerifierLoad.newBuilder()
                .setRunningSessions(load.runningSessions())
                .setQueueDepth(load.queueDepth())
                .setBatchSize(load.batchSize())
                .build();
    }
}
