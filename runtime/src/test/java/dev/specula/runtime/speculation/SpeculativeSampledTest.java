package dev.specula.runtime.speculation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Sampled decoding end to end (distributional losslessness is core's statistical test; here: wiring and replay). */
class SpeculativeSampledTest {
    private final DecoderModel tiny = TestModels.tiny();
    private final int[] prompt = SpeculativeGreedyTest.prompt("In the beginning");
    private final StopCondition stop = new StopCondition(40, new int[0]);

    private Generation run(long seed, int k) {
        return InProcessDecoding.speculative(tiny, tiny, prompt, new SamplingParams(0.8, 50, 0.95, seed),
                new FixedDraftLength(k), stop);
    }

    @Test
    void aSeedReplaysIdenticallyAndAnotherSeedDiffers() {
        Generation first = run(7L, 4);
        Generation replay = run(7L, 4);
        assertArrayEquals(first.tokens(), replay.tokens());
        assertEquals(40, first.tokens().length);
        assertFalse(Arrays.equals(first.tokens(), run(8L, 4).tokens()));
    }

    @Test
    void aModelDraftingForItselfIsAlmostAlwaysAccepted() {
        // draftProbs == targetProbs up to float rounding, so min(1, target/draft) ≈ 1 at every position.
        Generation generation = run(11L, 5);
        assertTrue(generation.outcome().stats().acceptanceRate() > 0.95,
                "acceptance " + generation.outcome().stats().acceptanceRate());
    }
}
