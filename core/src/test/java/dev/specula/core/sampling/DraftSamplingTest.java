package dev.specula.core.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specula.core.random.CounterRng;
import dev.specula.core.random.Purpose;
import dev.specula.core.testing.ChiSquare;
import dev.specula.core.testing.Distributions;
import org.junit.jupiter.api.Test;

class DraftSamplingTest {

    @Test
    void pointMassReturnsItsTokenForEverySeed() {
        SparseDistribution greedy = SparseDistribution.pointMass(259);
        for (long seed = 0; seed < 1000; seed++) {
            assertEquals(259, DraftSampling.drawDraftToken(greedy, seed, seed * 3));
        }
    }

    @Test
    void drawsWithTheDraftStreamAtTheGivenPosition() {
        SparseDistribution q = Distributions.of(0.1, 0.2, 0.3, 0.4);
        for (long seed = 0; seed < 1000; seed++) {
            double u = CounterRng.uniform(seed, 12, Purpose.DRAFT);
            assertEquals(TokenSampler.sample(q, u), DraftSampling.drawDraftToken(q, seed, 12));
        }
    }

    @Test
    void drawsFollowTheDraftDistribution() {
        double[] weights = {0.05, 0.15, 0.0, 0.5, 0.3};
        SparseDistribution q = Distributions.of(weights);
        long[] counts = new long[weights.length];
        for (long seed = 0; seed < 100_000; seed++) {
            counts[DraftSampling.drawDraftToken(q, seed, 4)]++;
        }
        ChiSquare.assertFits(counts, weights, "draft draws");
    }
}
