package dev.specula.core.draft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

class HybridDraftSourceTest {

    /** Always proposes {@code tokens} (or nothing when empty); counts closes. */
    private static final class Fixed implements DraftSource {
        final int[] tokens;
        int closed;

        Fixed(int... tokens) {
            this.tokens = tokens;
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
            return new Draft(java.util.Arrays.copyOf(tokens, Math.min(maxTokens, tokens.length)), null,
                    new float[Math.min(maxTokens, tokens.length)]);
        }

        @Override
        public void close() {
            closed++;
        }
    }

    @Test
    void theFirstSourceProposesWhenItCanAndTheFallbackOtherwise() {
        Fixed model = new Fixed(7, 7);
        try (HybridDraftSource hybrid = new HybridDraftSource(new NgramDraftSource(2, 4), model, false)) {
            TokenSequence noRepeat = new TokenSequence(new int[] {1, 2, 3});
            assertArrayEquals(new int[] {7, 7}, hybrid.draft(noRepeat, 2, SamplingParams.GREEDY).tokens());
            TokenSequence repeat = new TokenSequence(new int[] {1, 2, 3, 4, 1, 2});
            assertArrayEquals(new int[] {3, 4}, hybrid.draft(repeat, 2, SamplingParams.GREEDY).tokens());
            assertEquals(1, hybrid.firstDrafts());
            assertEquals(1, hybrid.fallbackDrafts());
        }
        assertEquals(1, model.closed, "closing the hybrid closes both");
    }

    @Test
    void competingTheFirstSourceYieldsToAFallbackThatCommitsMoreAndRetriesNowAndThen() {
        Fixed lookup = new Fixed(9, 9, 9);
        Fixed model = new Fixed(5, 5, 5);
        HybridDraftSource hybrid = new HybridDraftSource(lookup, model, true);
        TokenSequence committed = new TokenSequence(new int[] {0});
        int lookupTurns = 0;
        for (int round = 0; round < 40; round++) {
            Draft draft = hybrid.draft(committed, 3, SamplingParams.GREEDY);
            boolean fromLookup = draft.tokens()[0] == 9;
            lookupTurns += fromLookup ? 1 : 0;
            // The text is all 5s: the model's drafts commit in full (plus a bonus), the lookup's not at all.
            committed.append(new int[] {5, 5, 5, 5}, 0, fromLookup ? 1 : 4);
        }
        assertTrue(lookupTurns >= 3 && lookupTurns <= 1 + 40 / HybridDraftSource.RETRY_EVERY + 1,
                "lookup turns: the first, then retries only: " + lookupTurns);
        assertEquals(lookupTurns, hybrid.firstDrafts());
    }
}
