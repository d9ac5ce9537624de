package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Target-only bursts: a plain round may ask the verifier for extra plain steps in the same round trip. They
 * commit like that many plain rounds — cut at a stop token and at the budget like any round — and the policies
 * see them priced per step. (Greedy equality and the chi-square gate for bursts are arms of
 * {@link SpeculationLoopPolicyLosslessTest}.)
 */
class SpeculationLoopBurstTest {
    private static final int[] PROMPT = {0, 3, 1, 0, 3};
    private final ToyLanguageModel greedy = new ToyLanguageModel(SamplingParams.GREEDY);

    private SpeculationLoop loop(VerifierChannel verifier, DraftLengthPolicy policy) {
        long[] now = {0};
        return new SpeculationLoop(new ToyDraftSource(greedy), verifier, policy, AlwaysVerify.INSTANCE,
                () -> now[0] += 1_000);
    }

    @Test
    void aStopTokenInsideABurstEndsTheGenerationThere() {
        int[] expected = ToyLanguageModel.targetOnlyGreedy(PROMPT, 40);
        int stopAt = 6; // a token of the greedy path; its first occurrence is inside the first round's burst
        int stop = expected[stopAt];
        int first = 0;
        while (expected[first] != stop) {
            first++;
        }
        TokenSequence committed = new TokenSequence(PROMPT);
        GenerationOutcome outcome = loop(new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                new BurstSchedule(new int[] {0}, new int[] {9}))
                .run(committed, SamplingParams.GREEDY, new StopCondition(40, new int[] {stop}), tokens -> true);

        assertEquals(FinishReason.STOP, outcome.finishReason());
        assertArrayEquals(Arrays.copyOf(expected, first + 1), committed.generated());
    }

    @Test
    void aBurstIsNeverAskedPastTheBudgetAndTheBudgetIsMetExactly() {
        BurstSchedule policy = new BurstSchedule(new int[] {0}, new int[] {8});
        TokenSequence committed = new TokenSequence(PROMPT);
        GenerationOutcome outcome = loop(new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false), policy)
                .run(committed, SamplingParams.GREEDY, new StopCondition(21, new int[0]), tokens -> true);

        assertEquals(FinishReason.LENGTH, outcome.finishReason());
        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 21), committed.generated());
        // 9 + 9 tokens, then 3 left: the last round asks for 2 extra steps, not 8.
        assertEquals(3, outcome.stats().rounds());
        assertEquals(2, policy.traces.get(2).verdict().extraTokens().length);
    }

    @Test
    void aVerifierThatIgnoresTheRequestStillYieldsTheTargetsOutput() {
        ToyVerifierChannel toy = new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false);
        VerifierChannel plainOnly = new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                return toy.verify(uncheckedContext, draft);
            }

            @Override
            public void close() {
            }
        };
        TokenSequence committed = new TokenSequence(PROMPT);
        loop(plainOnly, new BurstSchedule(new int[] {0, 2}, new int[] {4, 0}))
                .run(committed, SamplingParams.GREEDY, new StopCondition(30, new int[0]), tokens -> true);
        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 30), committed.generated());
    }

    @Test
    void aVerifierThatTakesMoreStepsThanAskedIsRefused() {
        ToyVerifierChannel toy = new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false);
        VerifierChannel greedyForSteps = new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                return toy.verify(uncheckedContext, draft);
            }

            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
                return toy.verify(uncheckedContext, draft, extraPlainSteps + 1);
            }

            @Override
            public void close() {
            }
        };
        assertThrows(IllegalStateException.class, () -> loop(greedyForSteps,
                new BurstSchedule(new int[] {0}, new int[] {2})).run(new TokenSequence(PROMPT),
                SamplingParams.GREEDY, new StopCondition(30, new int[0]), tokens -> true));
    }

    @Test
    void policiesSeeABurstPricedPerStepWithItsRoundTripOnce() {
        ToyVerifierChannel toy = new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false);
        long[] now = {0};
        VerifierChannel remote = new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                return verify(uncheckedContext, draft, 0);
            }

            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
                Verdict verdict = toy.verify(uncheckedContext, draft, extraPlainSteps);
                now[0] += 40_000_000 + 2_000_000L * verdict.committedCount(); // 40 ms link, 2 ms a step
                return verdict;
            }

            @Override
            public long lastServerNanos() {
                return 2_000_000L * 4;
            }

            @Override
            public void close() {
            }
        };
        BurstSchedule policy = new BurstSchedule(new int[] {0}, new int[] {3});
        new SpeculationLoop(new ToyDraftSource(greedy), remote, policy, AlwaysVerify.INSTANCE, () -> now[0])
                .run(new TokenSequence(PROMPT), SamplingParams.GREEDY, new StopCondition(8, new int[0]),
                        tokens -> true);

        RoundTrace burst = policy.traces.get(0);
        assertEquals(3, burst.verdict().extraTokens().length);
        assertEquals(2_000_000, burst.serverNanos(), "8 ms of verifier time over 4 steps");
        assertEquals(42_000_000, burst.verifyNanos(), "the 40 ms round trip once, plus one step");
        assertTrue(policy.asked.stream().allMatch(asked -> asked == 3));
    }
}
