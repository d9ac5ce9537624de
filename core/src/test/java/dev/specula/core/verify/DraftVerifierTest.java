package dev.specula.core.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.random.CounterRng;
import dev.specula.core.random.Purpose;
import dev.specula.core.sampling.DraftSampling;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.sampling.TokenSampler;
import dev.specula.core.testing.ChiSquare;
import dev.specula.core.testing.Distributions;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DraftVerifierTest {
    private static final int VOCAB = 260;
    private static final SamplingParams SAMPLED = new SamplingParams(0.8, 20, 0.95, 5L);

    /** Rows whose argmaxes are the given tokens (each row otherwise random, well below the peak). */
    private static float[] rowsWithArgmax(int... argmaxes) {
        Random random = new Random(argmaxes.length);
        float[] logits = new float[argmaxes.length * VOCAB];
        for (int row = 0; row < argmaxes.length; row++) {
            for (int t = 0; t < VOCAB; t++) {
                logits[row * VOCAB + t] = (float) random.nextGaussian();
            }
            logits[row * VOCAB + argmaxes[row]] = 10f;
        }
        return logits;
    }

    private static Draft greedyDraft(int... tokens) {
        return new Draft(tokens, null, new float[tokens.length]);
    }

    @Test
    void greedyAcceptsMatchingArgmaxesAndAddsTheBonus() {
        Verdict verdict = DraftVerifier.verify(greedyDraft(3, 259), rowsWithArgmax(3, 259, 0), VOCAB,
                SamplingParams.GREEDY, 40);
        assertEquals(2, verdict.accepted());
        assertEquals(0, verdict.nextToken());
        assertTrue(verdict.bonus());
    }

    @Test
    void greedyRecoversTheArgmaxAtTheFirstMismatch() {
        Verdict verdict = DraftVerifier.verify(greedyDraft(3, 258, 7), rowsWithArgmax(3, 259, 7, 1), VOCAB,
                SamplingParams.GREEDY, 40);
        assertEquals(1, verdict.accepted());
        assertEquals(259, verdict.nextToken());
        assertEquals(2, verdict.targetProbOfDrafts().length);
    }

    @Test
    void kZeroIsAPlainDecodingStep() {
        float[] row = rowsWithArgmax(17);
        assertEquals(17, DraftVerifier.verify(Draft.EMPTY, row, VOCAB, SamplingParams.GREEDY, 0).nextToken());
        SparseDistribution target = LogitsShaper.shape(row, 0, VOCAB, SAMPLED);
        for (long seed = 0; seed < 200; seed++) {
            SamplingParams params = new SamplingParams(0.8, 20, 0.95, seed);
            Verdict verdict = DraftVerifier.verify(Draft.EMPTY, row, VOCAB, params, 33);
            assertTrue(verdict.bonus());
            assertEquals(TokenSampler.sample(target, CounterRng.uniform(seed, 33, Purpose.BONUS)), verdict.nextToken());
        }
    }

    @Test
    void sampledPlainStepsFollowTheShapedTarget() {
        float[] row = {2f, 1.6f, -30f, 1.2f, 0.8f, 0.4f, -1f, 0f}; // a small vocabulary keeps 10^5 steps cheap
        int vocab = row.length;
        SamplingParams base = new SamplingParams(1.3, 0, 1.0, 0L);
        long[] counts = new long[vocab];
        for (long seed = 0; seed < 100_000; seed++) {
            SamplingParams params = new SamplingParams(1.3, 0, 1.0, seed);
            counts[DraftVerifier.verify(Draft.EMPTY, row, vocab, params, 7).nextToken()]++;
        }
        ChiSquare.assertFits(counts, Distributions.dense(LogitsShaper.shape(row, 0, vocab, base), vocab), "k = 0");
    }

    @Test
    void matchesTheRejectionSamplerOnShapedRows() {
        Random random = new Random(99);
        for (int c = 0; c < 2000; c++) {
            int k = random.nextInt(6);
            long seed = random.nextLong();
            float[] targetLogits = randomLogits(random, k + 1);
            float[] draftLogits = randomLogits(random, k);
            SparseDistribution[] drafts = new SparseDistribution[k];
            SparseDistribution[] targets = new SparseDistribution[k + 1];
            int[] tokens = new int[k];
            for (int i = 0; i < k; i++) {
                drafts[i] = LogitsShaper.shape(draftLogits, i * VOCAB, VOCAB, SAMPLED);
                tokens[i] = DraftSampling.drawDraftToken(drafts[i], seed, 50 + i);
            }
            for (int i = 0; i <= k; i++) {
                targets[i] = LogitsShaper.shape(targetLogits, i * VOCAB, VOCAB, SAMPLED);
            }
            SamplingParams params = new SamplingParams(0.8, 20, 0.95, seed);
            Draft draft = new Draft(tokens, drafts, new float[k]);
            Verdict actual = DraftVerifier.verify(draft, targetLogits, VOCAB, params, 50);
            Verdict expected = RejectionSampler.verify(tokens, drafts, targets, seed, 50);
            assertEquals(expected.accepted(), actual.accepted());
            assertEquals(expected.nextToken(), actual.nextToken());
            assertEquals(expected.bonus(), actual.bonus());
            assertEquals(LogitsShaper.entropy(targetLogits, actual.accepted() * VOCAB, VOCAB, 0.8),
                    actual.targetEntropy(), 1e-5, "entropy of the full softmax at the next token's row");
        }
    }

    @Test
    void shapesNoRowBeyondTheFirstRejection() {
        // Row 1 is garbage (NaN): shaping it would throw. The draft (token 5) has no target mass in row 0, so it is
        // rejected there and row 1 must never be read.
        float[] logits = rowsWithArgmax(0, 0);
        logits[5] = Float.NEGATIVE_INFINITY;
        logits[VOCAB + 3] = Float.NaN;
        SparseDistribution draft = SparseDistribution.pointMass(5);
        Draft d = new Draft(new int[] {5}, new SparseDistribution[] {draft}, new float[] {1f});
        Verdict verdict = DraftVerifier.verify(d, logits, VOCAB, SAMPLED, 0);
        assertEquals(0, verdict.accepted());
    }

    @Test
    void sampledDraftsWithoutDistributionsAreVerifiedAsPointMasses() {
        float[] logits = rowsWithArgmax(4, 9, 2);
        logits[7] = 9.5f; // token 7 is a strong second choice in row 0
        for (long seed = 0; seed < 300; seed++) {
            SamplingParams params = new SamplingParams(1.0, 0, 1.0, seed);
            int[] tokens = {7, 9};
            Verdict actual = DraftVerifier.verify(new Draft(tokens, null, new float[2]), logits, VOCAB, params, 12);
            SparseDistribution[] pointMasses = {SparseDistribution.pointMass(7), SparseDistribution.pointMass(9)};
            SparseDistribution[] targets = new SparseDistribution[3];
            for (int i = 0; i < 3; i++) {
                targets[i] = LogitsShaper.shape(logits, i * VOCAB, VOCAB, params);
            }
            Verdict expected = RejectionSampler.verify(tokens, pointMasses, targets, seed, 12);
            assertEquals(expected.accepted(), actual.accepted());
            assertEquals(expected.nextToken(), actual.nextToken());
        }
    }

    @Test
    void greedyEntropyComesFromTheFullSoftmaxNotThePointMass() {
        float[] logits = {2f, 1f, 0f};
        Verdict verdict = DraftVerifier.verify(Draft.EMPTY, logits, 3, SamplingParams.GREEDY, 0);
        assertEquals(0.8323955818399389, verdict.targetEntropy(), 1e-6);
    }

    @Test
    void rejectsMalformedInputs() {
        float[] twoRows = rowsWithArgmax(1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> DraftVerifier.verify(greedyDraft(1, 2), twoRows, VOCAB, SamplingParams.GREEDY, 0),
                "3 rows needed");
        assertThrows(IllegalArgumentException.class,
                () -> DraftVerifier.verify(greedyDraft(VOCAB), twoRows, VOCAB, SamplingParams.GREEDY, 0),
                "id == vocab");
        assertThrows(IllegalArgumentException.class,
                () -> DraftVerifier.verify(greedyDraft(-1), twoRows, VOCAB, SamplingParams.GREEDY, 0), "negative id");
    }

    private static float[] randomLogits(Random random, int rows) {
        float[] logits = new float[rows * VOCAB];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 2.5);
        }
        return logits;
    }
}
