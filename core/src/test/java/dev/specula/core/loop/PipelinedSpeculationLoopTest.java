package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.testing.ChiSquare;
import dev.specula.core.verify.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The pipelined loop against the toy pair: greedy output equals target-only greedy output for every draft length
 * and pipeline depth, the sampled joint distribution of the first three tokens is the target's, and it really
 * keeps several rounds in flight.
 */
class PipelinedSpeculationLoopTest {
    private static final int V = ToyLanguageModel.VOCAB;
    private static final int[] PROMPT = {0, 3};

    @Test
    void greedyOutputEqualsTargetOnlyGreedyForEveryDraftLengthAndDepth() {
        int maxNewTokens = 40;
        ToyLanguageModel greedyModel = new ToyLanguageModel(SamplingParams.GREEDY);
        long continuationsChecked = 0;
        long discarded = 0;
        for (int[] prompt : new int[][] {{0}, {5}, {2, 4, 1}, {3, 3}}) {
            int[] expected = ToyLanguageModel.targetOnlyGreedy(prompt, maxNewTokens);
            for (int depth = 1; depth <= 3; depth++) {
                for (int k = 0; k <= 6; k++) {
                    TokenSequence committed = new TokenSequence(prompt);
                    CountingChannel channel = new CountingChannel(new InOrderPipelinedChannel(
                            new ToyVerifierChannel(greedyModel, prompt, SamplingParams.GREEDY, false)));
                    GenerationOutcome outcome = new PipelinedSpeculationLoop(new ToyDraftSource(greedyModel), channel,
                            new FixedDraftLength(k), depth, System::nanoTime)
                            .run(committed, SamplingParams.GREEDY, new StopCondition(maxNewTokens, new int[0]), t -> true);
                    String label = "prompt " + prompt[0] + ", k = " + k + ", depth = " + depth;
                    assertArrayEquals(expected, committed.generated(), label);
                    assertEquals(FinishReason.LENGTH, outcome.finishReason(), label);
                    assertTrue(channel.maxInFlight <= depth, label + ": " + channel.maxInFlight + " in flight");
                    if (depth > 1) {
                        assertTrue(channel.maxInFlight > 1, label + ": never pipelined");
                    }
                    continuationsChecked += channel.continuationsChecked;
                    discarded += outcome.stats().discardedRounds();
                }
            }
        }
        assertTrue(continuationsChecked > 100, "continuations were checked: " + continuationsChecked);
        assertTrue(discarded > 100, "continuations were discarded: " + discarded);
    }

    @ParameterizedTest(name = "k = {0}, depth = {1}, truncated = {2}")
    @CsvSource({"1, 2, false", "2, 2, true", "2, 3, false"})
    void firstThreeTokensFollowTheTargetsJointDistribution(int k, int depth, boolean truncated) {
        SamplingParams base = truncated ? new SamplingParams(0.9, 4, 0.95, 0L) : new SamplingParams(1.2, 0, 1.0, 0L);
        ToyLanguageModel model = new ToyLanguageModel(base);
        long[] counts = new long[V * V * V];
        for (int trial = 0; trial < 100_000; trial++) {
            SamplingParams params = new SamplingParams(base.temperature(), base.topK(), base.topP(),
                    (k * 31L + depth) * 1_000_000_007L + trial);
            TokenSequence committed = new TokenSequence(PROMPT);
            new PipelinedSpeculationLoop(new ToyDraftSource(model),
                    new InOrderPipelinedChannel(new ToyVerifierChannel(model, PROMPT, params, false)),
                    new FixedDraftLength(k), depth, System::nanoTime)
                    .run(committed, params, new StopCondition(3, new int[0]), t -> true);
            int[] out = committed.generated();
            counts[(out[0] * V + out[1]) * V + out[2]]++;
        }
        ChiSquare.assertFits(counts, ToyLanguageModel.exactJointOfFirstThree(base, PROMPT[PROMPT.length - 1]),
                "k = " + k + ", depth = " + depth);
    }

    @Test
    void aVerifierThatChecksADeadRoundIsCaught() {
        ToyLanguageModel model = new ToyLanguageModel(SamplingParams.GREEDY);
        InOrderPipelinedChannel honest = new InOrderPipelinedChannel(
                new ToyVerifierChannel(model, PROMPT, SamplingParams.GREEDY, false));
        PipelinedVerifierChannel lying = new PipelinedVerifierChannel() {
            @Override
            public void submit(int[] unchecked, Draft draft, boolean continuesPrevious) {
                honest.submit(unchecked, draft, false); // ignores the flag: checks every round
            }

            @Override
            public Optional<Verdict> awaitVerdict() {
                return honest.awaitVerdict();
            }

            @Override
            public void close() {
            }
        };
        PipelinedSpeculationLoop loop = new PipelinedSpeculationLoop(new ToyDraftSource(model), lying,
                new FixedDraftLength(4), 2, System::nanoTime);
        assertThrows(IllegalStateException.class, () -> loop.run(new TokenSequence(PROMPT), SamplingParams.GREEDY,
                new StopCondition(200, new int[0]), t -> true));
    }

    @Test
    void depthMustBePositive() {
        ToyLanguageModel model = new ToyLanguageModel(SamplingParams.GREEDY);
        assertThrows(IllegalArgumentException.class, () -> new PipelinedSpeculationLoop(new ToyDraftSource(model),
                new InOrderPipelinedChannel(new ToyVerifierChannel(model, PROMPT, SamplingParams.GREEDY, false)),
                new FixedDraftLength(2), 0, System::nanoTime));
    }

    /** Records how many rounds were in flight at most and how many continuation rounds were checked. */
    @Test
    void burstsInThePipelineCommitTheTargetsGreedyOutputAndNothingIsChainedOntoThem() {
        ToyLanguageModel greedyModel = new ToyLanguageModel(SamplingParams.GREEDY);
        int[] expected = ToyLanguageModel.targetOnlyGreedy(PROMPT, 40);
        for (int depth = 1; depth <= 3; depth++) {
            InOrderPipelinedChannel inner = new InOrderPipelinedChannel(
                    new ToyVerifierChannel(greedyModel, PROMPT, SamplingParams.GREEDY, false));
            List<Integer> extrasInFlight = new ArrayList<>();
            int[] bursts = {0};
            PipelinedVerifierChannel watched = new PipelinedVerifierChannel() {
                @Override
                public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious) {
                    submit(uncheckedContext, draft, continuesPrevious, 0);
                }

                @Override
                public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious, int extra) {
                    if (continuesPrevious) {
                        assertTrue(extrasInFlight.stream().allMatch(e -> e == 0), "continuation after a burst");
                    }
                    bursts[0] += extra > 0 ? 1 : 0;
                    extrasInFlight.add(extra);
                    inner.submit(uncheckedContext, draft, continuesPrevious, extra);
                }

                @Override
                public Optional<Verdict> awaitVerdict() {
                    extrasInFlight.remove(0);
                    return inner.awaitVerdict();
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
            TokenSequence committed = new TokenSequence(PROMPT);
            new PipelinedSpeculationLoop(new ToyDraftSource(greedyModel), watched,
                    new BurstSchedule(new int[] {2, 0, 3, 0, 1}, new int[] {0, 3, 0, 5, 0}), depth, System::nanoTime)
                    .run(committed, SamplingParams.GREEDY, new StopCondition(40, new int[0]), t -> true);
            assertArrayEquals(expected, committed.generated(), "depth " + depth);
            assertTrue(bursts[0] > 0, "depth " + depth + ": no burst sent");
        }
    }

    private static final class CountingChannel implements PipelinedVerifierChannel {
        private final PipelinedVerifierChannel inner;
        private final List<Boolean> flags = new ArrayList<>();
        int inFlight;
        int maxInFlight;
        long continuationsChecked;

        CountingChannel(PipelinedVerifierChannel inner) {
            this.inner = inner;
        }

        @Override
        public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious) {
            flags.add(continuesPrevious);
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            inner.submit(uncheckedContext, draft, continuesPrevious);
        }

        @Override
        public Optional<Verdict> awaitVerdict() {
            inFlight--;
            Optional<Verdict> verdict = inner.awaitVerdict();
            if (flags.remove(0) && verdict.isPresent()) {
                continuationsChecked++;
            }
            return verdict;
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
