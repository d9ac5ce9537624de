package dev.specula.core.policy;

import dev.specula.core.loop.Draft;

/**
 * The cascade's request-level decision (FrugalGPT / RouteLLM style): the small model answers alone, and the answer
 * is returned as it is when its confidence score passes the threshold, else the request escalates to the verifier
 * (which reuses the answer as one long draft, so the prefix it accepts is kept).
 *
 * @param metric    how to score the answer
 * @param threshold {@link CascadeMetric#MEAN_ENTROPY}: the highest mean entropy (nats) still returned;
 *                  {@link CascadeMetric#MIN_PROBABILITY}: the lowest token probability still returned
 */
public record CascadeRule(CascadeMetric metric, double threshold) {

    public CascadeRule {
        if (metric == null || !(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("cascade rule needs a metric and a finite threshold >= 0");
        }
    }

    /** The answer's score under {@link #metric}; NaN for an empty answer or one without the needed signal. */
    public double score(Draft answer) {
        if (answer.length() == 0) {
            return Double.NaN;
        }
        return switch (metric) {
            case MEAN_ENTROPY -> {
                double sum = 0;
                for (float h : answer.entropies()) {
                    sum += h;
                }
                yield sum / answer.length();
            }
            case MIN_PROBABILITY -> {
                double min = 1;
                for (float p : answer.confidences()) {
                    min = Math.min(min, p);
                }
                yield min;
            }
        };
    }

    /** True when the answer may be returned without the verifier; an unscorable answer escalates. */
    public boolean accepts(Draft answer) {
        double score = score(answer);
        if (Double.isNaN(score)) {
            return false;
        }
        return metric == CascadeMetric.MEAN_ENTROPY ? score <= threshold : score >= threshold;
    }
}
