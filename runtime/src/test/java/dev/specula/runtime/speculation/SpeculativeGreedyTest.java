package dev.specula.runtime.speculation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.SpeculationLoop;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.RepoPaths;
import dev.specula.runtime.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The correctness gate: greedy speculative output is token-for-token the target's greedy output, for every k. */
class SpeculativeGreedyTest {
    private static final String[] PROMPTS = {"Once upon a time", "The quick brown fox", "def main():\n    "};
    private static final int MAX_NEW = 48;

    static int[] prompt(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[utf8.length + 1];
        ids[0] = 256; // <|endoftext|> as BOS
        for (int i = 0; i < utf8.length; i++) {
            ids[i + 1] = utf8[i] & 0xFF;
        }
        return ids;
    }

    /** Target-only outputs, computed once per (model, prompt, length) and shared by all k. */
    private static final Map<String, Generation> TARGET_ONLY = new ConcurrentHashMap<>();

    private static StopCondition stop(DecoderModel target, int maxNew) {
        return new StopCondition(maxNew, target.generationConfig().eosTokenIds());
    }

    private static Generation targetOnly(DecoderModel target, String text, int maxNew) {
        return TARGET_ONLY.computeIfAbsent(target.folder() + "|" + text + "|" + maxNew, key ->
                InProcessDecoding.targetOnly(target, prompt(text), SamplingParams.GREEDY, stop(target, maxNew)));
    }

    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void testTinyDraftingForItselfMatchesTargetOnlyWithFullAcceptance(int k) {
        DecoderModel tiny = TestModels.tiny();
        for (String text : PROMPTS) {
            int[] prompt = prompt(text);
            Generation expected = targetOnly(tiny, text, MAX_NEW);
            Generation actual = InProcessDecoding.speculative(tiny, tiny, prompt, SamplingParams.GREEDY,
                    new FixedDraftLength(k), stop(tiny, MAX_NEW));
            assertArrayEquals(expected.tokens(), actual.tokens(), "prompt \"" + text + "\", k = " + k);
            assertEquals(1.0, actual.outcome().stats().acceptanceRate(), 1e-9, "a model agrees with itself");
            assertTrue(actual.outcome().stats().rounds() < expected.outcome().stats().rounds(), "fewer rounds than tokens");
        }
    }

    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void aDisagreeingDrafterStillYieldsTheTargetsOutput(int k) {
        DecoderModel tiny = TestModels.tiny();
        for (String text : PROMPTS) {
            int[] prompt = prompt(text);
            Generation expected = targetOnly(tiny, text, MAX_NEW);
            TokenSequence committed = new TokenSequence(prompt);
            GenerationOutcome outcome;
            try (PerturbedDraftSource drafter = new PerturbedDraftSource(new ModelDraftSource(tiny), 3);
                 VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
                outcome = new SpeculationLoop(drafter, verifier, new FixedDraftLength(k))
                        .run(committed, SamplingParams.GREEDY, stop(tiny, MAX_NEW), tokens -> true);
                assertArrayEquals(committed.toArray(), verifier.committed(), "loop and verifier agree");
            }
            assertArrayEquals(expected.tokens(), committed.generated(), "prompt \"" + text + "\", k = " + k);
            if (k >= 3) {
                assertTrue(outcome.stats().acceptanceRate() < 1.0, "every third draft is wrong");
            }
        }
    }

    /** Runs only once models/bundled/{drafter,verifier} exist (they are trained and exported separately). */
    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void bundledPairMatchesTheVerifierAlone(int k) {
        DecoderModel verifier = TestModels.bundledVerifier();
        DecoderModel drafter = TestModels.bundledDrafter();
        int maxNew = 32;
        for (String text : Arrays.copyOf(PROMPTS, 2)) {
            int[] prompt = prompt(text);
            Generation expected = targetOnly(verifier, text, maxNew);
            Generation actual = InProcessDecoding.speculative(drafter, verifier, prompt, SamplingParams.GREEDY,
                    new FixedDraftLength(k), stop(verifier, maxNew));
            assertArrayEquals(expected.tokens(), actual.tokens(), "prompt \"" + text + "\", k = " + k);
        }
    }
}
