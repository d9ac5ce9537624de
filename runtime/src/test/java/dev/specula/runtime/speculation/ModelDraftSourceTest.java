package dev.specula.runtime.speculation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ModelDraftSourceTest {
    private final DecoderModel tiny = TestModels.tiny();

    private int[] targetContinuation(int[] prompt, int count) {
        return InProcessDecoding.targetOnly(tiny, prompt, SamplingParams.GREEDY, new StopCondition(count, new int[0]))
                .tokens();
    }

    @Test
    void greedyDraftsOfAModelAreItsOwnGreedyContinuation() {
        int[] prompt = TestModels.tokens(12, 1);
        int[] expected = targetContinuation(prompt, 6);
        try (ModelDraftSource source = new ModelDraftSource(tiny)) {
            Draft draft = source.draft(new TokenSequence(prompt), 6, SamplingParams.GREEDY);
            assertArrayEquals(expected, draft.tokens());
            assertNull(draft.distributions(), "greedy drafts carry no distributions");
            for (float confidence : draft.confidences()) {
                assertTrue(confidence > 0f && confidence <= 1f, "confidence " + confidence);
            }
            assertEquals(prompt.length + 5, source.ingestedLength(), "the last drafted token is not ingested");
        }
    }

    @Test
    void syncIngestsTheLastDraftAndTheBonusAfterFullAcceptanceAndRollsBackAfterRejection() {
        int[] prompt = TestModels.tokens(12, 2);
        int[] expected = targetContinuation(prompt, 12);
        try (ModelDraftSource source = new ModelDraftSource(tiny)) {
            TokenSequence committed = new TokenSequence(prompt);
            Draft first = source.draft(committed, 3, SamplingParams.GREEDY);
            // Full acceptance: the three drafts plus the bonus token commit.
            committed.append(Arrays.copyOf(expected, 4), 0, 4);
            Draft second = source.draft(committed, 3, SamplingParams.GREEDY);
            assertArrayEquals(Arrays.copyOfRange(expected, 0, 3), first.tokens());
            assertArrayEquals(Arrays.copyOfRange(expected, 4, 7), second.tokens());
            assertEquals(committed.length() + 2, source.ingestedLength());
            // Rejection of the second draft's first token: a different token commits instead.
            committed.append((expected[4] + 1) % 256);
            int[] divergent = committed.toArray();
            Draft third = source.draft(committed, 2, SamplingParams.GREEDY);
            try (ModelDraftSource fresh = new ModelDraftSource(tiny)) {
                assertArrayEquals(fresh.draft(new TokenSequence(divergent), 2, SamplingParams.GREEDY).tokens(),
                        third.tokens(), "after rollback the drafter equals one that never saw the rejected token");
            }
        }
    }

    @Test
    void sampledDraftsCarryTheirDistributionsAndReplayIdentically() {
        int[] prompt = TestModels.tokens(10, 3);
        SamplingParams params = new SamplingParams(0.9, 40, 0.95, 1234L);
        Draft once;
        Draft again;
        try (ModelDraftSource a = new ModelDraftSource(tiny); ModelDraftSource b = new ModelDraftSource(tiny)) {
            once = a.draft(new TokenSequence(prompt), 5, params);
            again = b.draft(new TokenSequence(prompt), 5, params);
        }
        assertArrayEquals(once.tokens(), again.tokens());
        assertNotNull(once.distributions());
        for (int i = 0; i < once.length(); i++) {
            assertEquals(once.distributions()[i].probOf(once.tokens()[i]), once.confidences()[i], 0f);
            assertTrue(once.distributions()[i].size() <= 40, "top-k 40 truncates the support");
        }
    }

    @Test
    void nothingIsDraftedPastTheContext() {
        try (ModelDraftSource source = new ModelDraftSource(tiny)) {
            Draft draft = source.draft(new TokenSequence(TestModels.tokens(tiny.maxPositions() - 2, 4)), 8,
                    SamplingParams.GREEDY);
            assertEquals(2, draft.length());
        }
    }
}
