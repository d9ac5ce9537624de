package dev.specula.core.policy;

import dev.specula.core.loop.Draft;
import dev.specula.core.verify.Verdict;

/**
 * The per-token acceptance rate α of one request: exponentially weighted accepted / examined drafted tokens, plus a
 * prior of {@code priorWeight} pseudo-tokens at {@code prior}. Examined tokens are the accepted prefix and the first
 * rejected token, so accepted / examined is the maximum-likelihood α of a geometric acceptance run.
 */
final class AcceptanceEstimate {
    private final double prior;
    private final double priorWeight;
    private final double decay;
    private double accepted;
    private double examined;

    /** @param decay weight kept by the past at each observed round, in (0, 1]: 1 never forgets */
    AcceptanceEstimate(double prior, double priorWeight, double decay) {
        this.prior = prior;
        this.priorWeight = priorWeight;
        this.decay = decay;
    }

    void observe(Draft draft, Verdict verdict) {
        if (draft.length() == 0) {
            return;
        }
        accepted = decay * accepted + verdict.accepted();
        examined = decay * examined + Math.min(verdict.accepted() + 1, draft.length());
    }

    double alpha() {
        return (accepted + priorWeight * prior) / (examined + priorWeight);
    }

    /** Expected tokens one round of k drafts commits: 1 + α + … + α^k = (1 − α^(k+1)) / (1 − α). */
    static double expectedTokens(double alpha, int k) {
        if (alpha >= 1.0) {
            return k + 1;
        }
        return (1 - Math.pow(alpha, k + 1)) / (1 - alpha);
    }
}
