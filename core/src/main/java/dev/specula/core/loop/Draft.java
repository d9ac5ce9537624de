package dev.specula.core.loop;

import dev.specula.core.sampling.SparseDistribution;

/**
 * One round's drafted tokens.
 *
 * @param tokens        drafted token ids, in order; may be empty (k = 0 is a plain decoding step)
 * @param distributions for sampled decoding, the exact distribution each token was drawn from
 *                      ({@code distributions[i]} produced {@code tokens[i]}); for greedy decoding, null
 * @param confidences   the drafter's probability of each drafted token (for draft-length policies)
 */
public record Draft(int[] tokens, SparseDistribution[] distributions, float[] confidences) {

    public static final Draft EMPTY = new Draft(new int[0], null, new float[0]);

    public Draft {
        if (distributions != null && distributions.length != tokens.length) {
            throw new IllegalArgumentException("one distribution per drafted token");
        }
        if (confidences.length != tokens.length) {
            throw new IllegalArgumentException("one confidence per drafted token");
        }
    }

    public int length() {
        return tokens.length;
    }
}
