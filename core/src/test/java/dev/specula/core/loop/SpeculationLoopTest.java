package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loop's bookkeeping, with scripted drafts and verdicts: stops, budgets, cancellation, statistics. */
class SpeculationLoopTest {
    private static final int[] PROMPT = {1, 2};
    private static final int STOP = 99;
    private static final StopCondition NO_STOP_100 = new StopCondition(100, new int[0]);

    /** Drafts tokens 10, 11, 12, ... (or a scripted run) and records how many tokens each call asked for. */
    private static final class ScriptedDrafter implements DraftSource {
        final List<Integer> asked = new ArrayList<>();
        final Deque<int[]> script = new ArrayDeque<>();
        int next = 10;

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
            asked.add(maxTokens);
            int[] tokens = script.isEmpty() ? null : script.poll();
            if (tokens == null) {
                tokens = new int[maxTokens];
                for (int i = 0; i < maxTokens; i++) {
                    tokens[i] = next++;
                }
            }
            return new Draft(tokens, null, new float[tokens.length]);
        }

        @Override
        public void close() {
        }
    }

    /** Accepts as scripted (default: everything), with recovered/bonus tokens 50, 51, ... */
    private static final class ScriptedVerifier implements VerifierChannel {
        final Deque<Integer> acceptedScript = new ArrayDeque<>();
        final List<Draft> seen = new ArrayList<>();
        int next = 50;

        @Override
        public Verdict verify(int[] uncheckedContext, Draft draft) {
            seen.add(draft);
            int accepted = acceptedScript.isEmpty() ? draft.length() : Math.min(acceptedScript.poll(), draft.length());
            return new Verdict(accepted, next++, accepted == draft.length(), new float[accepted], 0f);
        }

        @Override
        public void close() {
        }
    }

    private final ScriptedDrafter drafter = new ScriptedDrafter();
    private final ScriptedVerifier verifier = new ScriptedVerifier();
    private final List<int[]> received = new ArrayList<>();
    private final TokenSequence committed = new TokenSequence(PROMPT);

    private GenerationOutcome run(DraftLengthPolicy policy, StopCondition stop) {
        return new SpeculationLoop(drafter, verifier, policy).run(committed, SamplingParams.GREEDY, stop, tokens -> {
            received.add(tokens.clone());
            return true;
        });
    }

    private int[] allReceived() {
        return received.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void stopsAtAStopTokenInsideTheAcceptedDraft() {
        drafter.script.add(new int[] {10, 11, STOP, 12});
        GenerationOutcome outcome = run(new FixedDraftLength(4), new StopCondition(100, new int[] {STOP}));
        assertEquals(FinishReason.STOP, outcome.finishReason());
        assertArrayEquals(new int[] {10, 11, STOP}, allReceived(), "nothing after the stop token");
        assertArrayEquals(new int[] {10, 11, STOP}, committed.generated());
        assertEquals(1, outcome.stats().rounds());
        assertEquals(3, outcome.stats().generatedTokens());
    }

    @Test
    void stopsWhenTheRecoveredTokenIsAStopToken() {
        verifier.next = STOP;
        verifier.acceptedScript.add(1);
        GenerationOutcome outcome = run(new FixedDraftLength(3), new StopCondition(100, new int[] {7, STOP}));
        assertEquals(FinishReason.STOP, outcome.finishReason());
        assertArrayEquals(new int[] {10, STOP}, allReceived());
    }

    @Test
    void stopsAtAStopTokenInALaterRound() {
        drafter.script.add(new int[] {10, 11});
        drafter.script.add(new int[] {STOP, 12});
        GenerationOutcome outcome = run(new FixedDraftLength(2), new StopCondition(100, new int[] {STOP}));
        assertEquals(FinishReason.STOP, outcome.finishReason());
        assertArrayEquals(new int[] {10, 11, 50, STOP}, allReceived());
        assertEquals(2, received.size(), "one sink call per round");
    }

    @Test
    void respectsTheTokenBudgetExactly() {
        GenerationOutcome outcome = run(new FixedDraftLength(4), new StopCondition(7, new int[0]));
        assertEquals(FinishReason.LENGTH, outcome.finishReason());
        assertEquals(7, committed.generatedLength());
        // Round 1 commits 4 + bonus; round 2 has a budget of 2, so it drafts 1 and the bonus fills the budget.
        assertEquals(List.of(4, 1), drafter.asked);
        assertArrayEquals(new int[] {10, 11, 12, 13, 50, 14, 51}, allReceived());
    }

    @Test
    void aBudgetOfOneIsOnePlainStep() {
        GenerationOutcome outcome = run(new FixedDraftLength(8), new StopCondition(1, new int[0]));
        assertEquals(FinishReason.LENGTH, outcome.finishReason());
        assertEquals(List.of(), drafter.asked, "no drafting when only the bonus token fits");
        assertEquals(0, verifier.seen.get(0).length());
        assertArrayEquals(new int[] {50}, allReceived());
    }

    @Test
    void cancelsWhenTheSinkSaysSo() {
        int[] calls = {0};
        GenerationOutcome outcome = new SpeculationLoop(drafter, verifier, new FixedDraftLength(2))
                .run(committed, SamplingParams.GREEDY, NO_STOP_100, tokens -> ++calls[0] < 2);
        assertEquals(FinishReason.CANCELLED, outcome.finishReason());
        assertEquals(2, calls[0]);
        assertEquals(2, verifier.seen.size(), "no round after the cancelling one");
        assertEquals(6, committed.generatedLength(), "the cancelling round's tokens are still committed");
    }

    @Test
    void countsStatisticsInVllmVocabulary() {
        // Rounds: draft 4 accept 2 (+ recovered); draft 3 accept 0 (+ recovered); plain step; draft 4 accept 4
        // (+ bonus), which exactly fills the budget of 3 + 1 + 1 + 5 tokens.
        int[] lengths = {4, 3, 0, 4};
        int[] round = {0};
        DraftLengthPolicy scripted = stats -> lengths[round[0]++];
        verifier.acceptedScript.addAll(List.of(2, 0, 0, 4));
        GenerationOutcome outcome = run(scripted, new StopCondition(3 + 1 + 1 + 5, new int[0]));

        LoopStats stats = outcome.stats();
        assertEquals(FinishReason.LENGTH, outcome.finishReason());
        assertEquals(4, stats.rounds());
        assertEquals(3, stats.drafts(), "plain steps are not drafts");
        assertEquals(11, stats.draftTokens());
        assertEquals(6, stats.acceptedTokens());
        assertEquals(6.0 / 11, stats.acceptanceRate(), 1e-12);
        assertEquals(1 + 6.0 / 3, stats.meanAcceptanceLength(), 1e-12);
        assertArrayEquals(new long[] {2, 2, 1, 1, 0, 0, 0, 0}, stats.acceptedPerPosition());
        assertEquals(10, stats.generatedTokens());
    }

    @Test
    void statisticsOfAGenerationWithoutDraftsAreNeutral() {
        LoopStats stats = run(new FixedDraftLength(0), new StopCondition(5, new int[0])).stats();
        assertEquals(5, stats.rounds());
        assertEquals(0, stats.drafts());
        assertEquals(0.0, stats.acceptanceRate());
        assertEquals(1.0, stats.meanAcceptanceLength());
    }

    @Test
    void aDrafterMayReturnFewerTokensThanAsked() {
        drafter.script.add(new int[0]);
        drafter.script.add(new int[] {10});
        GenerationOutcome outcome = run(new FixedDraftLength(3), new StopCondition(3, new int[0]));
        assertArrayEquals(new int[] {50, 10, 51}, allReceived());
        assertEquals(1, outcome.stats().drafts());
    }

    @Test
    void rejectsADraftLongerThanAsked() {
        drafter.script.add(new int[] {10, 11, 12});
        assertThrows(IllegalStateException.class, () -> run(new FixedDraftLength(2), NO_STOP_100));
    }

    @Test
    void rejectsAVerdictAcceptingMoreThanWasDrafted() {
        VerifierChannel lying = new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                return new Verdict(draft.length() + 1, 5, true, new float[0], 0f);
            }

            @Override
            public void close() {
            }
        };
        SpeculationLoop loop = new SpeculationLoop(drafter, lying, new FixedDraftLength(2));
        assertThrows(IllegalStateException.class,
                () -> loop.run(committed, SamplingParams.GREEDY, NO_STOP_100, tokens -> true));
    }

    @Test
    void tellsTheListenerEveryRoundInOrderWithWhatWasDraftedAndAccepted() {
        verifier.acceptedScript.addAll(List.of(3, 1));
        List<String> heard = new ArrayList<>();
        RoundListener listener = new RoundListener() {
            @Override
            public void started(int round) {
                heard.add("start " + round);
            }

            @Override
            public void verified(RoundTrace trace, int committedTokens) {
                heard.add("verified " + trace.draftedTokens() + "/" + trace.verdict().accepted() + " -> "
                        + committedTokens);
            }

            @Override
            public void ended(Throwable failure) {
                heard.add("end " + failure);
            }
        };
        new SpeculationLoop(drafter, verifier, new FixedDraftLength(3), AlwaysVerify.INSTANCE, System::nanoTime,
                listener).run(committed, SamplingParams.GREEDY, new StopCondition(6, new int[0]), tokens -> true);

        // Round 1 accepts all 3 (+ bonus), round 2 accepts 1 (+ recovered): 6 tokens, the budget.
        assertEquals(List.of("start 1", "verified 3/3 -> 4", "end null", "start 2", "verified 1/1 -> 2", "end null"),
                heard);
    }

    @Test
    void endsTheListenersRoundWithTheFailureWhenVerificationThrows() {
        RuntimeException down = new IllegalStateException("verifier gone");
        VerifierChannel failing = new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                throw down;
            }

            @Override
            public void close() {
            }
        };
        List<Object> heard = new ArrayList<>();
        RoundListener listener = new RoundListener() {
            @Override
            public void started(int round) {
                heard.add(round);
            }

            @Override
            public void ended(Throwable failure) {
                heard.add(failure);
            }
        };
        SpeculationLoop loop = new SpeculationLoop(drafter, failing, new FixedDraftLength(2), AlwaysVerify.INSTANCE,
                System::nanoTime, listener);

        assertThrows(IllegalStateException.class,
                () -> loop.run(committed, SamplingParams.GREEDY, NO_STOP_100, tokens -> true));
        assertEquals(List.of(1, down), heard);
    }
}
