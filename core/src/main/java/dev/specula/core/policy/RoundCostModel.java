package dev.specula.core.policy;

/**
 * Predicts one session's round latency for a draft of k tokens from measured rounds:
 *
 * <pre>  R(k) = r · (1 + σ · min(1/σ, s) · k)</pre>
 *
 * r is a round without drafts (network, scheduling, one forward); σ the cost of one more drafted token relative
 * to r when this session is alone in a forward pass (small when the verifier is memory-bound, DESIGN.md §2);
 * s the {@linkplain dev.specula.core.loop.VerifierLoad#sharers() sessions sharing forward passes}: when they all
 * draft alike, each of this session's extra tokens comes with s − 1 others in the same batch. The product is capped
 * at 1: compute-bound, a drafted token costs what a plain step costs.
 *
 * <p>r and σ are fitted by exponentially weighted least squares of R on x = s·k (intercept r, slope r·σ), shrunk
 * towards the prior σ₀ with the weight of {@code priorWeight} rounds spread one token apart: with a fixed k the
 * slope cannot be told from the data, and the prior then decides.
 *
 * <p>When the verifier reports its own time per round, the fit uses that time only and the rest — network and
 * queueing, the same whatever k is — is added back as a constant: R(k) = n + r · (1 + ...). Otherwise a long round
 * trip would inflate r, and with it the prior's cost of every drafted token.
 */
final class RoundCostModel {
    private final double priorSigma;
    private final double priorWeight;
    private final double decay;
    private double w;
    private double sx;
    private double sy;
    private double sxx;
    private double sxy;
    private double networkWeight;
    private double networkSum;

    RoundCostModel(double priorSigma, double priorWeight, double decay) {
        this.priorSigma = priorSigma;
        this.priorWeight = priorWeight;
        this.decay = decay;
    }

    /** A measured round: {@code k} drafted tokens verified in {@code nanos} while {@code sharers} shared forwards. */
    void observe(int k, int sharers, long nanos) {
        observe(k, sharers, nanos, -1);
    }

    /**
     * As above, with {@code serverNanos} of the round spent in the verifier itself (-1: not reported, the whole
     * round counts as the verifier's).
     */
    void observe(int k, int sharers, long nanos, long serverNanos) {
        double x = (double) sharers * k;
        double y = nanos;
        if (serverNanos >= 0 && serverNanos <= nanos) {
            y = serverNanos;
            networkWeight = decay * networkWeight + 1;
            networkSum = decay * networkSum + (nanos - serverNanos);
        }
        w = decay * w + 1;
        sx = decay * sx + x;
        sy = decay * sy + y;
        sxx = decay * sxx + x * x;
        sxy = decay * sxy + x * y;
    }

    boolean measured() {
        return w > 0;
    }

    /** Intercept r in nanoseconds. */
    double baseNanos() {
        double meanX = sx / w;
        return Math.max(1.0, sy / w - slope() * meanX);
    }

    /** σ: an extra drafted token's cost relative to r for a session alone in its forward passes. */
    double marginalCost() {
        return Math.max(0.0, slope() / baseNanos());
    }

    /** The part of a round outside the verifier (network, queueing): independent of k. 0 when not reported. */
    double networkNanos() {
        return networkWeight == 0 ? 0 : networkSum / networkWeight;
    }

    /** R(k) in nanoseconds with {@code sharers} sessions sharing forward passes. */
    double roundNanos(int k, int sharers) {
        double sigma = marginalCost();
        double perToken = sigma == 0 ? 0 : Math.min(1.0, sigma * sharers);
        return networkNanos() + baseNanos() * (1 + perToken * k);
    }

    private double slope() {
        double meanX = sx / w;
        double meanY = sy / w;
        double varX = sxx / w - meanX * meanX;
        double covXY = sxy / w - meanX * meanY;
        // The prior slope σ₀ · r, with r read off the mean as if σ = σ₀.
        double priorSlope = priorSigma * meanY / (1 + priorSigma * meanX);
        double ridge = priorWeight / Math.max(w, 1e-9);
        return Math.max(0.0, (covXY + ridge * priorSlope) / (Math.max(varX, 0) + ridge));
    }
}
