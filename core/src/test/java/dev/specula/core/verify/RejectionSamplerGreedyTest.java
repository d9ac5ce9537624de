package dev.specula.core.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specula.core.sampling.SparseDistribution;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Greedy verification tables: accept while the draft equals the target's argmax. */
class RejectionSamplerGreedyTest {

    @ParameterizedTest(name = "[{index}] {0}: target argmaxes [{1}], draft [{2}]")
    @CsvSource(delimiter = '|', value = {
        "all accepted -> bonus            | 3 5 7 9     | 3 5 7   | 3 | 9   | true",
        "first token rejected             | 3 5 7 9     | 4 5 7   | 0 | 3   | false",
        "mismatch in the middle           | 3 5 7 9     | 3 6 7   | 1 | 5   | false",
        "last drafted token rejected      | 3 5 7 9     | 3 5 8   | 2 | 7   | false",
        "later matches do not count       | 3 5 7 9     | 0 5 7   | 0 | 3   | false",
        "k = 0 is a plain greedy step     | 8           | ''      | 0 | 8   | true",
        "k = 1 accepted                   | 2 2         | 2       | 1 | 2   | true",
        "token id 0                       | 0 0 0       | 0 0     | 2 | 0   | true",
        "last vocabulary id accepted      | 259 259 259 | 259 259 | 2 | 259 | true",
        "last vocabulary id recovered     | 0 259       | 258     | 0 | 0   | false",
        "last vocabulary id as recovered  | 259 0       | 258     | 0 | 259 | false",
        "k = 8 all accepted               | 1 2 3 4 5 6 7 8 9 | 1 2 3 4 5 6 7 8 | 8 | 9 | true",
        "k = 8 last rejected              | 1 2 3 4 5 6 7 8 9 | 1 2 3 4 5 6 7 0 | 7 | 8 | false"})
    void greedyTable(String name, String targetArgmaxes, String drafts, int accepted, int next, boolean bonus) {
        SparseDistribution[] targets = Arrays.stream(ints(targetArgmaxes))
                .mapToObj(SparseDistribution::pointMass).toArray(SparseDistribution[]::new);
        int[] draft = ints(drafts);

        Verdict verdict = RejectionSampler.verify(draft, null, targets, 42L, 100L);

        assertEquals(accepted, verdict.accepted(), "accepted");
        assertEquals(next, verdict.nextToken(), "next token");
        assertEquals(bonus, verdict.bonus(), "bonus");
        assertEquals(bonus ? draft.length : accepted + 1, verdict.targetProbOfDrafts().length, "examined drafts");
        for (int i = 0; i < verdict.targetProbOfDrafts().length; i++) {
            assertEquals(i < accepted ? 1f : 0f, verdict.targetProbOfDrafts()[i], "target prob of draft " + i);
        }
        assertEquals(0f, verdict.targetEntropy(), "a point mass has no entropy");
    }

    @Test
    void seedAndPositionDoNotMatterInGreedyMode() {
        SparseDistribution[] targets = {SparseDistribution.pointMass(4), SparseDistribution.pointMass(6)};
        Verdict first = RejectionSampler.verify(new int[] {5}, null, targets, 1L, 0L);
        for (long seed = 0; seed < 100; seed++) {
            Verdict other = RejectionSampler.verify(new int[] {5}, null, targets, seed, seed * 7);
            assertEquals(first.accepted(), other.accepted());
            assertEquals(first.nextToken(), other.nextToken());
        }
    }

    @Test
    void nonPointMassTargetsUseTheirMostLikelyTokenWithTiesToTheLowestId() {
        SparseDistribution tied = new SparseDistribution(new int[] {7, 2, 5}, new float[] {0.4f, 0.4f, 0.2f});
        SparseDistribution peaked = new SparseDistribution(new int[] {1, 9}, new float[] {0.3f, 0.7f});
        SparseDistribution[] targets = {tied, peaked};
        Verdict rejected = RejectionSampler.verify(new int[] {7}, null, targets, 0L, 0L);
        assertEquals(0, rejected.accepted());
        assertEquals(2, rejected.nextToken());
        assertArrayEquals(new float[] {0.4f}, rejected.targetProbOfDrafts());
        Verdict accepted = RejectionSampler.verify(new int[] {2}, null, targets, 0L, 0L);
        assertEquals(1, accepted.accepted());
        assertEquals(9, accepted.nextToken(), "bonus is the most likely, not the first stored, token");
        assertEquals(-(0.3 * Math.log(0.3) + 0.7 * Math.log(0.7)), accepted.targetEntropy(), 1e-6);
    }

    private static int[] ints(String spaceSeparated) {
        String trimmed = spaceSeparated.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        return Arrays.stream(trimmed.split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }
}
