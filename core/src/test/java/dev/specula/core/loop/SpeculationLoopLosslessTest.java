package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.testing.ChiSquare;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end through {@link SpeculationLoop}: with a context-dependent toy model pair, the joint distribution of
 * the first three generated tokens equals the target's exact joint distribution, for several draft lengths; greedy
 * output equals target-only greedy output for every draft length.
 */
class SpeculationLoopLosslessTest {
    private static final int V = ToyLanguageModel.VOCAB;
    private static final int[] PROMPT = {0, 3};
    private static final int TRIALS = 100_000;
    private static final StopCondition THREE_TOKENS = new StopCondition(3, new int[0]);

    static Stream<Arguments> sampledCases() {
        SamplingParams full = new SamplingParams(1.2, 0, 1.0, 0L);
        SamplingParams truncated = new SamplingParams(0.9, 4, 0.95, 0L); // supports of target and draft differ
        return Stream.of(1, 2, 4).flatMap(k -> Stream.of(Arguments.of(k, full), Arguments.of(k, truncated)));
    }

    @ParameterizedTest(name = "k = {0}, {1}")
    @MethodSource("sampledCases")
    void firstThreeTokensFollowTheTargetsJointDistribution(int k, SamplingParams params) {
        long[] counts = sampleFirstThree(k, params, false);
        ChiSquare.assertFits(counts, ToyLanguageModel.exactJointOfFirstThree(params, PROMPT[PROMPT.length - 1]), "k = " + k + ", " + params);
    }

    /** Power: a verifier that conditions on the wrong token is caught by the same gate. */
    @Test
    void theGateCatchesAVerifierWithAnOffByOneContext() {
        SamplingParams params = new SamplingParams(1.2, 0, 1.0, 0L);
        ChiSquare.assertDoesNotFit(sampleFirstThree(2, params, true), ToyLanguageModel.exactJointOfFirstThree(params, PROMPT[PROMPT.length - 1]), "off-by-one verifier");
    }

    @Test
    void greedyOutputEqualsTargetOnlyGreedyForEveryDraftLength() {
        int maxNewTokens = 40;
        ToyLanguageModel greedyModel = new ToyLanguageModel(SamplingParams.GREEDY);
        long drafted = 0;
        long accepted = 0;
        for (int[] prompt : new int[][] {{0}, {5}, {2, 4, 1}, {3, 3}}) {
            int[] expected = ToyLanguageModel.targetOnlyGreedy(prompt, maxNewTokens);
            for (int k = 0; k <= 8; k++) {
                TokenSequence committed = new TokenSequence(prompt);
                SpeculationLoop loop = new SpeculationLoop(new ToyDraftSource(greedyModel),
                        new ToyVerifierChannel(greedyModel, prompt, SamplingParams.GREEDY, false),
                        new FixedDraftLength(k));
                GenerationOutcome outcome = loop.run(committed, SamplingParams.GREEDY,
                        new StopCondition(maxNewTokens, new int[0]), tokens -> true);
                assertArrayEquals(expected, committed.generated(), "prompt " + prompt[0] + ", k = " + k);
                assertEquals(FinishReason.LENGTH, outcome.finishReason());
                drafted += outcome.stats().draftTokens();
                accepted += outcome.stats().acceptedTokens();
            }
        }
        double rate = (double) accepted / drafted;
        assertTrue(rate > 0.2 && rate < 0.8, "both accepting and rejecting paths ran often: " + rate);
    }

    private static long[] sampleFirstThree(int k, SamplingParams base, boolean buggyVerifier) {
        long[] counts = new long[V * V * V];
        ToyLanguageModel model = new ToyLanguageModel(base);
        for (int trial = 0; trial < TRIALS; trial++) {
            // Every trial is a new request with its own seed.
            SamplingParams params = new SamplingParams(base.temperature(), base.topK(), base.topP(),
                    k * 1_000_000_007L + trial);
            TokenSequence committed = new TokenSequence(PROMPT);
            new SpeculationLoop(new ToyDraftSource(model), new ToyVerifierChannel(model, PROMPT, params, buggyVerifier),
                    new FixedDraftLength(k)).run(committed, params, THREE_TOKENS, tokens -> true);
            int[] out = committed.generated();
            counts[(out[0] * V + out[1]) * V + out[2]]++;
        }
        return counts;
    }
}
