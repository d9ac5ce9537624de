package dev.specula.core.draft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import org.junit.jupiter.api.Test;

class AnswerDraftSourceTest {
    private static final int[] PROMPT = {1, 2};

    private static Draft answer() {
        SparseDistribution[] q = new SparseDistribution[5];
        for (int i = 0; i < q.length; i++) {
            q[i] = SparseDistribution.pointMass(10 + i);
        }
        return new Draft(new int[] {10, 11, 12, 13, 14}, q, new float[] {.9f, .8f, .7f, .6f, .5f},
                new float[] {.1f, .2f, .3f, .4f, .5f});
    }

    @Test
    void replaysTheAnswerInChunksWhileTheCommittedTokensFollowIt() {
        AnswerDraftSource source = new AnswerDraftSource(answer(), PROMPT.length);
        TokenSequence committed = new TokenSequence(PROMPT);
        Draft first = source.draft(committed, 2, SamplingParams.GREEDY);
        assertArrayEquals(new int[] {10, 11}, first.tokens());
        assertEquals(.8f, first.confidences()[1]);
        assertSame(answer().distributions()[0].getClass(), first.distributions()[0].getClass());
        committed.append(new int[] {10, 11, 12}, 0, 3); // both accepted, and the bonus equals the answer's token
        Draft second = source.draft(committed, 4, SamplingParams.GREEDY);
        assertArrayEquals(new int[] {13, 14}, second.tokens(), "the rest of the answer");
        assertEquals(.4f, second.entropies()[0]);
        assertEquals(3, source.matchedTokens());
    }

    @Test
    void proposesNothingOnceTheCommittedTokensLeaveTheAnswer() {
        AnswerDraftSource source = new AnswerDraftSource(answer(), PROMPT.length);
        TokenSequence committed = new TokenSequence(PROMPT);
        source.draft(committed, 3, SamplingParams.GREEDY);
        committed.append(new int[] {10, 99}, 0, 2); // the second token was rejected
        assertEquals(0, source.draft(committed, 3, SamplingParams.GREEDY).length());
        committed.append(new int[] {12, 13}, 0, 2); // even if the text later happens to realign
        assertEquals(0, source.draft(committed, 3, SamplingParams.GREEDY).length());
        assertEquals(1, source.matchedTokens());
    }
}
