package dev.specula.runtime.bench;

/**
 * Measured forward costs at a fixed past length (medians over repetitions, after warm-up).
 *
 * @param pastTokens          KV length before each measured forward
 * @param verifierMillis      {@code [n - 1]}: verifier forward of n new tokens, n = 1..length
 * @param drafterMillis       drafter forward of one token (its per-drafted-token cost)
 * @param verify5OverStep1    verifierMillis(5) / verifierMillis(1): the cost of verifying 4 drafts + 1
 *                            relative to a plain decoding step (≈ 1 in the memory-bound regime)
 * @param drafterOverVerifier drafterMillis / verifierMillis(1): c in the speedup bound
 */
public record StepCosts(int pastTokens, double[] verifierMillis, double drafterMillis, double verify5OverStep1,
                        double drafterOverVerifier) {

    public StepCosts {
        verifierMillis = verifierMillis.clone();
    }

    /** Verifier forward of {@code newTokens} tokens, in milliseconds. */
    public double verifierMillis(int newTokens) {
        return verifierMillis[newTokens - 1];
    }

    @Override
    public double[] verifierMillis() {
        return verifierMillis.clone();
    }
}
