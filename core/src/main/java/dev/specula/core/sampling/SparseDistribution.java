package dev.specula.core.sampling;

import java.util.Arrays;

/**
 * A probability distribution over token ids with explicit support: only the listed tokens have mass.
 * Truncated sampling (top-k / top-p) makes the draft distribution exactly sparse, so this is what crosses
 * the wire instead of a vocabulary-sized vector.
 *
 * <p>Invariants: {@code tokens.length == probs.length}, tokens distinct and non-negative, probs positive and
 * summing to 1 within float tolerance. Tokens are sorted by descending probability.
 */
public final class SparseDistribution {
    private final int[] tokens;
    private final float[] probs;

    public SparseDistribution(int[] tokens, float[] probs) {
        if (tokens.length != probs.length || tokens.length == 0) {
            throw new IllegalArgumentException("a distribution needs matching, non-empty token and prob arrays");
        }
        this.tokens = tokens;
        this.probs = probs;
    }

    /** A point mass: what greedy decoding samples from. */
    public static SparseDistribution pointMass(int token) {
        return new SparseDistribution(new int[] {token}, new float[] {1f});
    }

    public int size() {
        return tokens.length;
    }

    public int token(int i) {
        return tokens[i];
    }

    public float prob(int i) {
        return probs[i];
    }

    /** Probability of {@code token}, 0 when it is outside the support. Linear in the support size. */
    public float probOf(int token) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == token) {
                return probs[i];
            }
        }
        return 0f;
    }

    public int[] tokens() {
        return tokens.clone();
    }

    public float[] probs() {
        return probs.clone();
    }

    @Override
    public String toString() {
        return "SparseDistribution" + Arrays.toString(tokens) + Arrays.toString(probs);
    }
}
