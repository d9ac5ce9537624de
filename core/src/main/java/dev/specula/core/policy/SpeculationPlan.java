package dev.specula.core.policy;

import dev.specula.core.draft.NgramDraftSource;
import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.FixedDraftLength;

/**
 * The policies one request runs with, as the router plans them and the loop carries them out; it builds fresh
 * per-generation policy objects.
 *
 * @param draftSource      where drafts come from
 * @param lengthMode       fixed k or adaptive
 * @param draftLength      k of {@link DraftLengthMode#FIXED}; the first rounds' k of adaptive
 * @param maxDraftLength   K: the longest draft adaptive may choose (and the cascade's escalation chunk)
 * @param stopThreshold    adaptive: keep drafting while the predicted probability that all drafted tokens are
 *                         accepted stays at or above this
 * @param marginalCost     adaptive: prior of an extra drafted token's verify cost relative to a plain round
 * @param ngramMin         shortest suffix match that proposes an n-gram draft (tokens)
 * @param ngramMax         longest suffix match compared
 * @param entropyWindow    entropy-adaptive: positions in the rolling entropy window (W)
 * @param entropyThreshold entropy-adaptive: rolling entropy (nats) below which the small model's tokens commit
 *                         unverified (H)
 * @param cascade          cascade mode: when the small model's answer is returned without escalation
 */
public record SpeculationPlan(DraftSourceKind draftSource, DraftLengthMode lengthMode, int draftLength,
                              int maxDraftLength, double stopThreshold, double marginalCost, int ngramMin,
                              int ngramMax, int entropyWindow, double entropyThreshold, CascadeRule cascade) {

    /** Model drafts of fixed length 4 (the behaviour before policies existed), and the policies' starting points. */
    public static final SpeculationPlan DEFAULTS = new SpeculationPlan(DraftSourceKind.MODEL, DraftLengthMode.FIXED,
            4, 8, 0.3, 0.1, 3, 16, 8, 1.0, new CascadeRule(CascadeMetric.MEAN_ENTROPY, 1.0));

    public SpeculationPlan {
        if (draftSource == null || lengthMode == null || cascade == null) {
            throw new IllegalArgumentException("a plan needs a draft source, a length mode and a cascade rule");
        }
        if (draftLength < 0 || maxDraftLength < 1 || draftLength > maxDraftLength) {
            throw new IllegalArgumentException("need 0 <= draft length <= max draft length, max >= 1; got "
                    + draftLength + " and " + maxDraftLength);
        }
        if (!(stopThreshold >= 0 && stopThreshold < 1) || !(marginalCost >= 0 && marginalCost <= 1)) {
            throw new IllegalArgumentException("stop threshold must be in [0, 1) and marginal cost in [0, 1]");
        }
        if (ngramMin < 1 || ngramMax < ngramMin) {
            throw new IllegalArgumentException("need 1 <= ngram min <= ngram max, got " + ngramMin + ".." + ngramMax);
        }
        if (entropyWindow < 1 || !(entropyThreshold >= 0) || Double.isInfinite(entropyThreshold)) {
            throw new IllegalArgumentException("need entropy window >= 1 and a finite entropy threshold >= 0");
        }
    }

    /** A fresh draft-length policy for one generation. */
    public DraftLengthPolicy newLengthPolicy() {
        return switch (lengthMode) {
            case FIXED -> new FixedDraftLength(draftLength);
            case ADAPTIVE -> AdaptiveDraftLength.of(maxDraftLength, draftLength, stopThreshold, marginalCost);
        };
    }

    /** A fresh prompt-lookup source for one generation. */
    public NgramDraftSource newNgramSource() {
        return new NgramDraftSource(ngramMin, ngramMax);
    }

    /** A fresh entropy switch for one entropy-adaptive generation. */
    public EntropySwitch newEntropySwitch() {
        return new EntropySwitch(entropyWindow, entropyThreshold);
    }

    public SpeculationPlan withDraftSource(DraftSourceKind source) {
        return new SpeculationPlan(source, lengthMode, draftLength, maxDraftLength, stopThreshold, marginalCost,
                ngramMin, ngramMax, entropyWindow, entropyThreshold, cascade);
    }

    public SpeculationPlan withLengths(DraftLengthMode mode, int k, int maxK) {
        return new SpeculationPlan(draftSource, mode, k, maxK, stopThreshold, marginalCost, ngramMin, ngramMax,
                entropyWindow, entropyThreshold, cascade);
    }

    public SpeculationPlan withEntropy(int window, double threshold) {
        return new SpeculationPlan(draftSource, lengthMode, draftLength, maxDraftLength, stopThreshold, marginalCost,
                ngramMin, ngramMax, window, threshold, cascade);
    }

    public SpeculationPlan withCascade(CascadeRule rule) {
        return new SpeculationPlan(draftSource, lengthMode, draftLength, maxDraftLength, stopThreshold, marginalCost,
                ngramMin, ngramMax, entropyWindow, entropyThreshold, rule);
    }
}
