package dev.specula.service.policy;

import dev.specula.core.policy.CascadeMetric;
import dev.specula.core.policy.CascadeRule;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A service's default speculation policies ({@code specula.<service>.policy.*}), taken by every request field that
 * is left unset. Mapped 1:1 from Helm values.
 *
 * @param draftSource      model | ngram | hybrid
 * @param lengthMode       fixed | adaptive
 * @param maxDraftLength   adaptive K, and the cascade escalation's chunk length
 * @param stopThreshold    adaptive: keep drafting while P(all drafted tokens accepted) stays at or above this
 * @param marginalCost     adaptive: prior cost of one more drafted token relative to a plain verifier round
 * @param ngramMin         shortest suffix match proposing an n-gram draft, in tokens (bytes for the bundled
 *                         byte-level models: 8 bytes ≈ 2 BPE tokens)
 * @param ngramMax         longest suffix match compared
 * @param entropyWindow    entropy-adaptive W (positions)
 * @param entropyThreshold entropy-adaptive H (nats)
 * @param cascadeMetric    mean-entropy | min-probability
 * @param cascadeThreshold the cascade's threshold on that score
 */
public record PolicyProperties(@DefaultValue("model") DraftSourceKind draftSource,
                               @DefaultValue("fixed") DraftLengthMode lengthMode,
                               @DefaultValue("8") int maxDraftLength,
                               @DefaultValue("0.3") double stopThreshold,
                               @DefaultValue("0.1") double marginalCost,
                               @DefaultValue("8") int ngramMin,
                               @DefaultValue("32") int ngramMax,
                               @DefaultValue("8") int entropyWindow,
                               @DefaultValue("1.0") double entropyThreshold,
                               @DefaultValue("mean-entropy") CascadeMetric cascadeMetric,
                               @DefaultValue("1.0") double cascadeThreshold) {

    /** The defaults above, as when nothing is configured. */
    public static final PolicyProperties DEFAULTS = new PolicyProperties(DraftSourceKind.MODEL, DraftLengthMode.FIXED,
            8, 0.3, 0.1, 8, 32, 8, 1.0, CascadeMetric.MEAN_ENTROPY, 1.0);

    public PolicyProperties {
        // Fail at start-up with the property's name, not at the first request.
        try {
            new SpeculationPlan(draftSource, lengthMode, 1, maxDraftLength, stopThreshold, marginalCost, ngramMin,
                    ngramMax, entropyWindow, entropyThreshold, new CascadeRule(cascadeMetric, cascadeThreshold));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("policy settings: " + e.getMessage(), e);
        }
        if (draftSource == DraftSourceKind.NONE) {
            throw new IllegalArgumentException("policy settings: draft-source must be model, ngram or hybrid");
        }
    }

    /** The default plan, with {@code draftLength} as fixed k and as adaptive's first rounds' k. */
    public SpeculationPlan plan(int draftLength) {
        return new SpeculationPlan(draftSource, lengthMode, draftLength, Math.max(maxDraftLength, draftLength), stopThreshold, marginalCost, ngramMin, ngramMax, entropyWindow,
                entropyThreshold, new CascadeRule(cascadeMetric, cascadeThreshold));
    }
}
