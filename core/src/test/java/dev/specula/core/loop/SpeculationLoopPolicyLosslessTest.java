package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.draft.AnswerDraftSource;
import dev.specula.core.draft.HybridDraftSource;
import dev.specula.core.draft.NgramDraftSource;
import dev.specula.core.policy.AdaptiveDraftLength;
import dev.specula.core.policy.GoodputDraftLength;
import dev.specula.core.policy.ThresholdDraftLength;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.testing.ChiSquare;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lossless gates of {@link SpeculationLoopLosslessTest}, run with the adaptive draft-length policies and the
 * model-free draft sources: the joint distribution of the first three sampled tokens equals the target's (chi-square
 * over 10^5 requests), and greedy output equals target-only greedy output. The prompt repeats itself, so n-gram
 * lookup finds matches from the first round on. Timings come from a fake clock, so the goodput policy's choices
 * (and these tests) are deterministic.
 */
class SpeculationLoopPolicyLosslessTest {
    private static final int V = ToyLanguageModel.VOCAB;
    private static final int[] PROMPT = {0, 3, 1, 0, 3};
    private static final int TRIALS = 100_000;
    private static final StopCondition THREE_TOKENS = new StopCondition(3, new int[0]);

    /** A named way to build one generation's draft source and length policy. */
    private record Arm(String name, Function<ToyLanguageModel, DraftSource> source, Supplier<DraftLengthPolicy> policy) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arm> arms() {
        return Stream.of(
                new Arm("model + threshold stop", ToyDraftSource::new, () -> new ThresholdDraftLength(4, 0.5)),
                new Arm("model + goodput", ToyDraftSource::new, () -> new GoodputDraftLength(4, 2, 0.1)),
                new Arm("model + adaptive", ToyDraftSource::new, () -> AdaptiveDraftLength.of(4, 2, 0.5, 0.1)),
                new Arm("n-gram, k = 3", model -> new NgramDraftSource(1, 4), () -> new FixedDraftLength(3)),
                new Arm("n-gram + adaptive", model -> new NgramDraftSource(1, 4), () -> AdaptiveDraftLength.of(4, 2, 0.3, 0.1)),
                new Arm("hybrid + adaptive", model -> new HybridDraftSource(new NgramDraftSource(2, 4),
                        new ToyDraftSource(model), true), () -> AdaptiveDraftLength.of(4, 2, 0.3, 0.1)),
                // Target-only bursts: plain rounds that ask the verifier for extra plain steps, at the start (the
                // whole three-token prefix in one round) and between drafted rounds.
                new Arm("model + bursts from the start", ToyDraftSource::new,
                        () -> new BurstSchedule(new int[] {0, 2, 0, 1}, new int[] {5, 0, 2, 0})),
                new Arm("model + bursts between drafts", ToyDraftSource::new,
                        () -> new BurstSchedule(new int[] {1, 0, 3, 0}, new int[] {0, 1, 0, 4})));
    }

    static Stream<Arguments> sampledCases() {
        SamplingParams full = new SamplingParams(1.2, 0, 1.0, 0L);
        SamplingParams truncated = new SamplingParams(0.9, 4, 0.95, 0L);
        return arms().flatMap(arm -> Stream.of(Arguments.of(arm, full), Arguments.of(arm, truncated)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("sampledCases")
    void firstThreeTokensFollowTheTargetsJointDistribution(Arm arm, SamplingParams base) {
        long[] counts = new long[V * V * V];
        ToyLanguageModel model = new ToyLanguageModel(base);
        for (int trial = 0; trial < TRIALS; trial++) {
            SamplingParams params = new SamplingParams(base.temperature(), base.topK(), base.topP(), 7_000_003L + trial);
            TokenSequence committed = new TokenSequence(PROMPT);
            try (DraftSource source = arm.source().apply(model)) {
                loop(source, new ToyVerifierChannel(model, PROMPT, params, false), arm.policy().get())
                        .run(committed, params, THREE_TOKENS, tokens -> true);
            }
            int[] out = committed.generated();
            counts[(out[0] * V + out[1]) * V + out[2]]++;
        }
        ChiSquare.assertFits(counts, ToyLanguageModel.exactJointOfFirstThree(base, PROMPT[PROMPT.length - 1]), arm + ", " + base);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arms")
    void greedyOutputEqualsTargetOnlyGreedy(Arm arm) {
        ToyLanguageModel greedy = new ToyLanguageModel(SamplingParams.GREEDY);
        for (int[] prompt : new int[][] {PROMPT, {5}, {2, 4, 1, 2, 4}, {3, 3, 3}}) {
            TokenSequence committed = new TokenSequence(prompt);
            try (DraftSource source = arm.source().apply(greedy)) {
                loop(source, new ToyVerifierChannel(greedy, prompt, SamplingParams.GREEDY, false), arm.policy().get())
                        .run(committed, SamplingParams.GREEDY, new StopCondition(40, new int[0]), tokens -> true);
            }
            assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(prompt, 40), committed.generated(), arm + ", prompt " + Arrays.toString(prompt));
        }
    }

    /** Cascade escalation: a wrong answer replayed as drafts, then the model, still yields the target's output. */
    @ParameterizedTest(name = "answer diverges after {0} tokens")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 3, 17, 40})
    void anEscalatedAnswerYieldsTheTargetsGreedyOutput(int correctPrefix) {
        ToyLanguageModel greedy = new ToyLanguageModel(SamplingParams.GREEDY);
        int[] expected = ToyLanguageModel.targetOnlyGreedy(PROMPT, 40);
        int[] answerTokens = Arrays.copyOf(expected, 40);
        if (correctPrefix < 40) {
            answerTokens[correctPrefix] = (answerTokens[correctPrefix] + 1) % V;
        }
        Draft answer = new Draft(answerTokens, null, new float[40]);
        AnswerDraftSource replay = new AnswerDraftSource(answer, PROMPT.length);
        TokenSequence committed = new TokenSequence(PROMPT);
        try (DraftSource source = new HybridDraftSource(replay, new ToyDraftSource(greedy), false)) {
            loop(source, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false), new FixedDraftLength(16))
                    .run(committed, SamplingParams.GREEDY, new StopCondition(40, new int[0]), tokens -> true);
        }
        assertArrayEquals(expected, committed.generated());
        // Chunks of 16 drafts + 1 commit 17 tokens per round, so the replay's last look (the third round's draft
        // call) saw 34 committed tokens; the verified prefix of the answer was kept up to there.
        assertTrue(replay.matchedTokens() >= Math.min(correctPrefix, 34), "matched " + replay.matchedTokens());
    }

    private static SpeculationLoop loop(DraftSource source, VerifierChannel verifier, DraftLengthPolicy policy) {
        long[] now = {0};
        // A fake clock: every reading advances 1 µs, so draft and verify calls each measure 1 µs.
        return new SpeculationLoop(source, verifier, policy, AlwaysVerify.INSTANCE, () -> now[0] += 1_000);
    }
}
