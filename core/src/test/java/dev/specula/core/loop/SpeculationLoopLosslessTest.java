package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.testing.ChiSquare;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end through {@link SpeculationLoop}: with a context-dependent toy model pair, the joint distribution of
 * the first three generated tokens equals the target's exact joint distribution, for several draft lengths and with
 * drafts cut or dropped by the draft step deadline; greedy output equals target-only greedy output for every draft
 * length.
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

    /**
     * The draft deadline changes only how many positions a round proposes: drafts cut short by the pacing rule
     * (1, 2 or 4 tokens by trial) and rounds whose draft is late (a plain step instead) leave the joint
     * distribution the target's.
     */
    @Test
    void firstThreeTokensFollowTheTargetsJointDistributionWhenDraftsAreCutOrLate() {
        SamplingParams base = new SamplingParams(1.2, 0, 1.0, 0L);
        ToyLanguageModel model = new ToyLanguageModel(base);
        long deadline = TimeUnit.MILLISECONDS.toNanos(2);
        long[] counts = new long[V * V * V];
        int[] misses = {0};
        long cutRounds = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            SamplingParams params = new SamplingParams(base.temperature(), base.topK(), base.topP(),
                    77_000_000_007L + trial);
            boolean lateFirstDraft = trial % 64 == 0;
            LateDraftSource source = new LateDraftSource(new ToyDraftSource(model), call -> lateFirstDraft && call == 0);
            long step = deadline * (trial % 4 + 1) / 5;
            AtomicLong now = new AtomicLong();
            DraftSource drafter = new DeadlineDraftSource(source, new DraftDeadline(deadline, 2, 2, 4),
                    new DeadlineListener() {
                        private boolean released;

                        /** A loaded machine may make any draft late; only the blocked one waits for release. */
                        @Override
                        public void missed() {
                            misses[0]++;
                            if (lateFirstDraft && !released) {
                                released = true;
                                source.release();
                                source.awaitReturned();
                            }
                        }
                    }, () -> now.addAndGet(step), true); // guarded: the late first draft hangs on a latch
            TokenSequence committed = new TokenSequence(PROMPT);
            LoopStats stats = new SpeculationLoop(drafter, new ToyVerifierChannel(model, PROMPT, params, false),
                    new FixedDraftLength(4)).run(committed, params, THREE_TOKENS, tokens -> true).stats();
            drafter.close();
            cutRounds += stats.drafts() > 0 && stats.draftTokens() < 2L * stats.drafts() ? 1 : 0;
            int[] out = committed.generated();
            counts[(out[0] * V + out[1]) * V + out[2]]++;
        }
        assertTrue(misses[0] >= TRIALS / 64, "late drafts: " + misses[0]);
        assertTrue(cutRounds > TRIALS / 4, "drafts cut short: " + cutRounds);
        ChiSquare.assertFits(counts, ToyLanguageModel.exactJointOfFirstThree(base, PROMPT[PROMPT.length - 1]),
                "deadline: cut and late drafts");
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
