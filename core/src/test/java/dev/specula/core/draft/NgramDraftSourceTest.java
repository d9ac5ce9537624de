package dev.specula.core.draft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NgramDraftSourceTest {

    private static Draft draft(NgramDraftSource source, int[] sequence, int k) {
        return source.draft(new TokenSequence(sequence), k, SamplingParams.GREEDY);
    }

    @Test
    void proposesWhatFollowedTheLongestEarlierMatchOfTheSuffix() {
        // Suffix [7 8 9]: "8 9" occurs at 1..2 (followed by 4) and "7 8 9" at 5..7 (followed by 5 6).
        int[] sequence = {1, 8, 9, 4, 0, 7, 8, 9, 5, 6, 2, 7, 8, 9};
        Draft draft = draft(new NgramDraftSource(2, 5), sequence, 2);
        assertArrayEquals(new int[] {5, 6}, draft.tokens());
        assertNull(draft.distributions(), "a deterministic draft carries no distribution");
        assertEquals(0.75f, draft.confidences()[0], "match of 3 → 3 / 4");
        assertTrue(Float.isNaN(draft.entropies()[0]), "no distribution, no entropy");
    }

    @Test
    void prefersTheMostRecentOfEquallyLongMatches() {
        int[] sequence = {3, 4, 1, 9, 3, 4, 2, 9, 3, 4};
        assertArrayEquals(new int[] {2, 9}, draft(new NgramDraftSource(2, 4), sequence, 2).tokens());
    }

    @Test
    void proposesNothingWithoutAMatchOfTheMinimumLength() {
        int[] sequence = {1, 2, 3, 4, 5, 2, 9};
        assertEquals(0, draft(new NgramDraftSource(2, 4), sequence, 3).length());
        assertEquals(1, draft(new NgramDraftSource(1, 4), new int[] {1, 2, 3, 2}, 1).length(), "a 1-gram match");
    }

    @Test
    void aRepeatingPatternIsCopiedPastThePresent() {
        // "a b c a b c a b": the match continues into the tokens being proposed (overlapping copy).
        int[] sequence = {1, 2, 3, 1, 2, 3, 1, 2};
        assertArrayEquals(new int[] {3, 1, 2, 3, 1, 2, 3}, draft(new NgramDraftSource(2, 8), sequence, 7).tokens());
    }

    @Test
    void theIndexGrowsWithTheCommittedSequenceAndIsRebuiltForAnotherOne() {
        NgramDraftSource source = new NgramDraftSource(2, 4);
        TokenSequence committed = new TokenSequence(new int[] {5, 6, 7, 8});
        assertEquals(0, source.draft(committed, 2, SamplingParams.GREEDY).length());
        committed.append(new int[] {5, 6}, 0, 2);
        assertArrayEquals(new int[] {7, 8}, source.draft(committed, 2, SamplingParams.GREEDY).tokens());
        assertArrayEquals(new int[] {3, 1}, source.draft(new TokenSequence(new int[] {1, 2, 3, 1, 2}), 2,
                SamplingParams.GREEDY).tokens(), "a sequence that does not extend the indexed one");
        assertEquals(2, source.drafts(), "lookups that found a match");
    }

    @Test
    void theStopRuleCutsTheDraft() {
        int[] sequence = {1, 2, 3, 4, 5, 1, 2};
        Draft draft = new NgramDraftSource(2, 4).draft(new TokenSequence(sequence), 5, SamplingParams.GREEDY,
                (index, confidence) -> index == 1);
        assertArrayEquals(new int[] {3, 4}, draft.tokens());
    }

    /**
     * Against a naive oracle that rescans the whole sequence: on random texts built by copying earlier pieces
     * (with mutations), growing one token per call, the incremental index proposes exactly what the oracle does.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4})
    void matchesANaiveRescanOnRandomRepetitiveText(int seed) {
        Random random = new Random(seed);
        int[] text = new int[600];
        for (int i = 0; i < text.length; i++) {
            boolean copy = i > 20 && random.nextInt(3) > 0;
            text[i] = copy ? text[random.nextInt(i)] : random.nextInt(40);
            if (copy && random.nextInt(4) > 0) {
                int from = random.nextInt(i - 10);
                int run = Math.min(text.length - i, 1 + random.nextInt(12));
                for (int j = 0; j < run; j++) {
                    text[i + j] = random.nextInt(10) == 0 ? random.nextInt(40) : text[from + j];
                }
                i += run - 1;
            }
        }
        NgramDraftSource source = new NgramDraftSource(3, 7);
        TokenSequence committed = new TokenSequence(Arrays.copyOf(text, 1));
        int proposals = 0;
        for (int n = 2; n <= text.length; n++) {
            committed.append(text[n - 1]);
            int[] expected = naiveProposal(Arrays.copyOf(text, n), 3, 7, 5);
            int[] actual = source.draft(committed, 5, SamplingParams.GREEDY).tokens();
            assertArrayEquals(expected, actual, "after " + n + " tokens");
            proposals += actual.length > 0 ? 1 : 0;
        }
        assertTrue(proposals > 100, "the text repeats often enough to test matches: " + proposals);
    }

    /**
     * Longest suffix (minLength..maxLength) seen before, latest occurrence among the longest, looking at the
     * {@link NgramDraftSource#MAX_CANDIDATES} latest occurrences of the last minLength tokens; overlapping copy.
     */
    static int[] naiveProposal(int[] seq, int minLength, int maxLength, int k) {
        int n = seq.length;
        int bestEnd = -1;
        int bestLength = 0;
        int occurrences = 0;
        for (int end = n - 2; end >= 0 && occurrences < NgramDraftSource.MAX_CANDIDATES; end--) {
            int m = 0;
            while (m < maxLength && end - m >= 0 && seq[end - m] == seq[n - 1 - m]) {
                m++;
            }
            if (m >= minLength) {
                occurrences++;
            }
            if (m >= minLength && m > bestLength) {
                bestEnd = end;
                bestLength = m;
            }
        }
        if (bestEnd < 0) {
            return new int[0];
        }
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int from = bestEnd + 1 + i;
            out[i] = from < n ? seq[from] : out[from - n];
        }
        return out;
    }
}
