package dev.specula.core.sampling;

/** Draws a token from a distribution by inverse CDF, given the uniform number to use (randomness is passed in). */
public final class TokenSampler {

    private TokenSampler() {
    }

    /**
     * The first token, in the distribution's stored order, whose cumulative probability exceeds {@code u}.
     * Float probabilities may sum to slightly less than 1; a {@code u} beyond the sum falls on the last token.
     *
     * @param u uniform in [0, 1)
     */
    public static int sample(SparseDistribution d, double u) {
        if (!(u >= 0.0 && u < 1.0)) {
            throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        }
        int last = d.size() - 1;
        double cumulative = 0.0;
        for (int i = 0; i < last; i++) {
            cumulative += d.prob(i);
            if (u < cumulative) {
                return d.token(i);
            }
        }
        return d.token(last);
    }
}
