package dev.specula.core.loop;

import dev.specula.core.sampling.SparseDistribution;
import java.util.Arrays;

/**
 * One round's drafted tokens.
 *
 * @param tokens        drafted token ids, in order; may be empty (k = 0 is a plain decoding step)
 * @param distributions for sampled decoding, the exact distribution each token was drawn from
 *                      ({@code distributions[i]} produced {@code tokens[i]}); null for greedy decoding and for
 *                      deterministic sources (n-gram lookup), which the verifier checks against point masses
 * @param confidences   the drafter's probability of each drafted token (for draft-length policies)
 * @param entropies     entropy (nats) of the drafter's full distribution at each drafted position (for
 *                      entropy-adaptive switching); NaN where the source has no distribution (n-gram lookup)
 */
public record Draft(int[] tokens, SparseDistribution[] distributions, float[] confidences, float[] entropies) {

    public static final Draft EMPTY = new Draft(new int[0], null, new float[0], new float[0]);

    public Draft {
        if (distributions != null && distributions.length != tokens.length) {
            throw new IllegalArgumentException("one distribution per drafted token");
        }
        if (confidences.length != tokens.length) {
            throw new IllegalArgumentException("one confidence per drafted token");
        }
        if (entropies.length != tokens.length) {
            throw new IllegalArgumentException("one entropy per drafted token");
        }
    }

    /** A draft whose source measured no entropies: every entropy is NaN. */
    public Draft(int[] tokens, SparseDistribution[] distributions, float[] confidences) {
        this(tokens, distributions, confidences, unknownEntropies(tokens.length));
    }

    public int length() {
        return tokens.length;
    }

    /** The first {@code count} drafted tokens with their distributions, confidences and entropies. */
    public Draft prefix(int count) {
        return slice(0, count);
    }

    /** The drafted tokens from index {@code from} on. */
    public Draft suffix(int from) {
        return slice(from, tokens.length);
    }

    private Draft slice(int from, int to) {
        if (from < 0 || to > tokens.length || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of a draft of " + tokens.length);
        }
        if (from == 0 && to == tokens.length) {
            return this;
        }
        return new Draft(Arrays.copyOfRange(tokens, from, to),
                distributions == null ? null : Arrays.copyOfRange(distributions, from, to),
                Arrays.copyOfRange(confidences, from, to), Arrays.copyOfRange(entropies, from, to));
    }

    private static float[] unknownEntropies(int length) {
        float[] entropies = new float[length];
        Arrays.fill(entropies, Float.NaN);
        return entropies;
    }
}
