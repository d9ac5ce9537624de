package dev.specula.core.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.DraftSampling;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.testing.Distributions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Seeded determinism: the verdict is a function of its inputs; the seed is the only source of randomness. */
class RejectionSamplerDeterminismTest {
    private static final SparseDistribution TARGET = Distributions.of(0.30, 0.25, 0.20, 0.15, 0.07, 0.03);
    private static final SparseDistribution DRAFT = Distributions.of(0.05, 0.10, 0.40, 0.05, 0.30, 0.10);
    private static final int K = 4;
    private static final long FIRST_POSITION = 20;

    @Test
    void sameInputsGiveTheSameVerdict() {
        for (long seed = 0; seed < 2000; seed++) {
            int[] draft = draft(seed);
            Verdict a = verify(draft, seed);
            Verdict b = verify(draft.clone(), seed);
            assertSameVerdict(a, b);
        }
    }

    @Test
    void anotherSeedDrawsDifferently() {
        int[] draft = draft(1L);
        int differences = 0;
        for (long seed = 0; seed < 200; seed++) {
            Verdict a = verify(draft, seed);
            Verdict b = verify(draft, seed + 1_000_000L);
            if (a.accepted() != b.accepted() || a.nextToken() != b.nextToken()) {
                differences++;
            }
        }
        // With acceptance around one half per token, about half of all verdict pairs differ.
        int differing = differences;
        assertTrue(differing > 50, () -> "only " + differing + " of 200 seed pairs differ");
    }

    @Test
    void anotherFirstPositionDrawsDifferently() {
        int[] draft = draft(1L);
        int differences = 0;
        for (long seed = 0; seed < 200; seed++) {
            Verdict a = RejectionSampler.verify(draft, drafts(), targets(), seed, FIRST_POSITION);
            Verdict b = RejectionSampler.verify(draft, drafts(), targets(), seed, FIRST_POSITION + 1);
            if (a.accepted() != b.accepted() || a.nextToken() != b.nextToken()) {
                differences++;
            }
        }
        assertTrue(differences > 50, "randomness is keyed by absolute position");
    }

    private static int[] draft(long seed) {
        int[] tokens = new int[K];
        for (int i = 0; i < K; i++) {
            tokens[i] = DraftSampling.drawDraftToken(DRAFT, seed, FIRST_POSITION + i);
        }
        return tokens;
    }

    private static Verdict verify(int[] draft, long seed) {
        return RejectionSampler.verify(draft, drafts(), targets(), seed, FIRST_POSITION);
    }

    private static SparseDistribution[] drafts() {
        SparseDistribution[] d = new SparseDistribution[K];
        Arrays.fill(d, DRAFT);
        return d;
    }

    private static SparseDistribution[] targets() {
        SparseDistribution[] t = new SparseDistribution[K + 1];
        Arrays.fill(t, TARGET);
        return t;
    }

    static void assertSameVerdict(Verdict expected, Verdict actual) {
        assertEquals(expected.accepted(), actual.accepted(), "accepted");
        assertEquals(expected.nextToken(), actual.nextToken(), "next token");
        assertEquals(expected.bonus(), actual.bonus(), "bonus");
        assertEquals(Arrays.toString(expected.targetProbOfDrafts()),
                Arrays.toString(actual.targetProbOfDrafts()), "target probs of drafts");
        assertEquals(expected.targetEntropy(), actual.targetEntropy(), 1e-6f, "target entropy");
    }
}
