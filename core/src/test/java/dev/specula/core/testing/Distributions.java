package dev.specula.core.testing;

import dev.specula.core.sampling.SparseDistribution;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Builds sparse distributions from dense weight vectors, in the canonical order (descending prob, then id). */
public final class Distributions {

    private Distributions() {
    }

    /** Normalises {@code weights} (index = token id); zero weights are left out of the support. */
    public static SparseDistribution of(double... weights) {
        double total = 0.0;
        List<Integer> support = new ArrayList<>();
        for (int token = 0; token < weights.length; token++) {
            total += weights[token];
            if (weights[token] > 0.0) {
                support.add(token);
            }
        }
        support.sort(Comparator.comparingDouble((Integer t) -> -weights[t]).thenComparingInt(t -> t));
        int[] tokens = new int[support.size()];
        float[] probs = new float[support.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = support.get(i);
            probs[i] = (float) (weights[tokens[i]] / total);
        }
        return new SparseDistribution(tokens, probs);
    }

    /** The distribution as a dense vector of length {@code vocab} (probabilities as stored, as doubles). */
    public static double[] dense(SparseDistribution d, int vocab) {
        double[] out = new double[vocab];
        for (int i = 0; i < d.size(); i++) {
            out[d.token(i)] = d.prob(i);
        }
        return out;
    }
}
