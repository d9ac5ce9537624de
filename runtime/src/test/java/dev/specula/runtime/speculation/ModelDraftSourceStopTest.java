package dev.specula.runtime.speculation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.testing.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The model drafter under a stop rule, and the entropies it reports. */
class ModelDraftSourceStopTest {
    private final DecoderModel tiny = TestModels.tiny();

    @Test
    void aStopRuleEndsTheDraftBeforeTheNextForward() {
        int[] prompt = TestModels.tokens(10, 7);
        try (ModelDraftSource full = new ModelDraftSource(tiny); ModelDraftSource stopped = new ModelDraftSource(tiny)) {
            Draft all = full.draft(new TokenSequence(prompt), 6, SamplingParams.GREEDY);
            Draft two = stopped.draft(new TokenSequence(prompt), 6, SamplingParams.GREEDY, (i, c) -> i == 1);
            assertArrayEquals(Arrays.copyOf(all.tokens(), 2), two.tokens());
            assertEquals(prompt.length + 1, stopped.ingestedLength(), "one forward per kept token after the first");
            assertEquals(all.prefix(2).entropies()[1], two.entropies()[1]);
        }
    }

    @Test
    void entropiesAreTheFullSoftmaxEntropyAtEachDraftedPosition() {
        int[] prompt = TestModels.tokens(9, 8);
        SamplingParams sampled = new SamplingParams(0.7, 20, 1.0, 5L);
        for (SamplingParams params : new SamplingParams[] {SamplingParams.GREEDY, sampled}) {
            Draft draft;
            try (ModelDraftSource source = new ModelDraftSource(tiny)) {
                draft = source.draft(new TokenSequence(prompt), 3, params);
            }
            try (DecoderSession session = tiny.newSession()) {
                int[] context = Arrays.copyOf(prompt, prompt.length + 2);
                System.arraycopy(draft.tokens(), 0, context, prompt.length, 2);
                float[] rows = session.forwardLast(context, 3);
                for (int i = 0; i < 3; i++) {
                    double expected = LogitsShaper.entropy(rows, i * tiny.vocabSize(), tiny.vocabSize(),
                            params.temperature());
                    assertEquals(expected, draft.entropies()[i], 1e-3, params + ", position " + i);
                    assertTrue(draft.entropies()[i] >= 0f);
                }
            }
        }
    }
}
