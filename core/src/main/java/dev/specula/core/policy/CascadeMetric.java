package dev.specula.core.policy;

/** How the cascade scores the small model's confidence in its whole answer. */
public enum CascadeMetric {
    /** Mean entropy (nats) of the small model's distribution over the answer's positions; lower is surer. */
    MEAN_ENTROPY,
    /** The smallest probability the small model gave one of its answer's tokens; higher is surer. */
    MIN_PROBABILITY
}
