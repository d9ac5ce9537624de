package dev.specula.core.verify;

import static dev.specula.core.verify.RejectionSamplerDeterminismTest.assertSameVerdict;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.DraftSampling;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.testing.Distributions;
import dev.specula.core.verify.NaiveRejectionSampler.Variant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The optimised {@link RejectionSampler} against the slow dense {@link NaiveRejectionSampler}, verdict for verdict. */
class RejectionSamplerOracleTest {
    private static final int[] VOCABS = {1, 2, 3, 6, 12, 50, 300};

    @Test
    void matchesTheNaiveSamplerOnRandomDistributions() {
        Random random = new Random(7);
        int rejections = 0;
        int fullAcceptances = 0;
        int largeSupports = 0;
        for (int c = 0; c < 8_000; c++) {
            int vocab = VOCABS[random.nextInt(VOCABS.length)];
            int k = random.nextInt(7);
            boolean greedy = random.nextInt(5) == 0;
            long seed = random.nextLong();
            long firstPosition = random.nextInt(5000);
            SparseDistribution[] targets = new SparseDistribution[k + 1];
            for (int i = 0; i <= k; i++) {
                targets[i] = randomDistribution(random, vocab);
            }
            SparseDistribution[] drafts = greedy ? null : new SparseDistribution[k];
            int[] tokens = new int[k];
            for (int i = 0; i < k; i++) {
                if (greedy) {
                    tokens[i] = random.nextBoolean() ? RejectionSampler.mostLikely(targets[i]) : random.nextInt(vocab);
                } else {
                    // Sometimes the draft equals the target (everything accepted), sometimes not.
                    drafts[i] = random.nextInt(6) == 0 ? targets[i] : randomDistribution(random, vocab);
                    tokens[i] = DraftSampling.drawDraftToken(drafts[i], seed, firstPosition + i);
                    largeSupports += drafts[i].size() > 32 ? 1 : 0;
                }
            }

            Verdict expected = NaiveRejectionSampler.verify(vocab, tokens, drafts, targets, seed, firstPosition,
                    Variant.CORRECT);
            Verdict actual = RejectionSampler.verify(tokens, drafts, targets, seed, firstPosition);

            assertSameVerdict(expected, actual);
            rejections += actual.bonus() ? 0 : 1;
            fullAcceptances += actual.bonus() && k > 0 ? 1 : 0;
        }
        // The comparison only means something if every branch was exercised many times.
        assertTrue(rejections > 800, "rejections: " + rejections);
        assertTrue(fullAcceptances > 800, "full acceptances: " + fullAcceptances);
        assertTrue(largeSupports > 400, "drafts with hashed supports: " + largeSupports);
    }

    @Test
    void zeroResidualMassFallsBackToTheTarget() {
        // Float rounding can leave target − draft with no positive part at a rejection. Here it is exaggerated:
        // the target sums to 0.9, so drafting token 0 (0.6 vs 0.5) can be rejected with nothing left over.
        SparseDistribution target = new SparseDistribution(new int[] {0, 1}, new float[] {0.5f, 0.4f});
        SparseDistribution draft = new SparseDistribution(new int[] {0, 1}, new float[] {0.6f, 0.4f});
        int rejected = 0;
        for (long seed = 0; seed < 2000; seed++) {
            SparseDistribution[] targets = {target, target};
            SparseDistribution[] drafts = {draft};
            Verdict expected =
                    NaiveRejectionSampler.verify(2, new int[] {0}, drafts, targets, seed, 3, Variant.CORRECT);
            Verdict actual = RejectionSampler.verify(new int[] {0}, drafts, targets, seed, 3);
            assertSameVerdict(expected, actual);
            rejected += actual.accepted() == 0 ? 1 : 0;
        }
        assertTrue(rejected > 200, "rejections: " + rejected);
    }

    @Test
    void disjointSupportsAlwaysRejectAndRecoverFromTheTarget() {
        SparseDistribution target = Distributions.of(0.5, 0.3, 0.2, 0, 0);
        SparseDistribution draft = Distributions.of(0, 0, 0, 0.6, 0.4);
        for (long seed = 0; seed < 500; seed++) {
            int drafted = DraftSampling.drawDraftToken(draft, seed, 9);
            Verdict verdict = RejectionSampler.verify(new int[] {drafted}, new SparseDistribution[] {draft},
                    new SparseDistribution[] {target, target}, seed, 9);
            assertEquals(0, verdict.accepted());
            assertTrue(verdict.nextToken() <= 2, "recovered token comes from the target's support");
            assertEquals(0f, verdict.targetProbOfDrafts()[0]);
        }
    }

    @Test
    void rejectsInconsistentInputs() {
        SparseDistribution d = Distributions.of(0.5, 0.5);
        SparseDistribution[] one = {d};
        SparseDistribution[] two = {d, d};
        assertThrows(IllegalArgumentException.class,
                () -> RejectionSampler.verify(new int[] {0}, one, one, 0, 0), "one target too few");
        assertThrows(IllegalArgumentException.class,
                () -> RejectionSampler.verify(new int[] {0}, new SparseDistribution[0], two, 0, 0),
                "one draft distribution too few");
        assertThrows(IllegalArgumentException.class,
                () -> RejectionSampler.verify(new int[] {7}, one, two, 0, 0),
                "drafted token outside its own draft distribution");
    }

    /** Point masses, full and partial supports, exact ties, and supports large enough for the hashed lookup. */
    private static SparseDistribution randomDistribution(Random random, int vocab) {
        double[] weights = new double[vocab];
        switch (random.nextInt(5)) {
            case 0 -> weights[random.nextInt(vocab)] = 1.0;
            case 1 -> {
                for (int t = 0; t < vocab; t++) {
                    weights[t] = random.nextDouble() + 1e-3;
                }
            }
            case 2 -> {
                double density = random.nextDouble();
                for (int t = 0; t < vocab; t++) {
                    weights[t] = random.nextDouble() < density ? random.nextDouble() + 1e-3 : 0.0;
                }
            }
            case 3 -> {
                for (int t = 0; t < vocab; t++) {
                    weights[t] = random.nextBoolean() ? 1.0 : 0.0; // exact ties
                }
            }
            default -> {
                for (int t = 0; t < vocab; t++) {
                    weights[t] = random.nextInt(4); // few distinct values, many ties and zeros
                }
            }
        }
        weights[random.nextInt(vocab)] += 0.5; // never empty
        return Distributions.of(weights);
    }
}
