package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the loop carries out policies, with scripted drafts and verdicts: stop rules reach the draft source, each
 * verified round is traced to the length policy (timings from the loop's clock, load from the channel), and a
 * switching policy's unverified prefix is committed at once and sent as unchecked context with the next
 * verification.
 */
class SpeculationLoopPoliciesTest {
    private static final int[] PROMPT = {1, 2};
    private static final int STOP = 99;

    /** Drafts tokens 10, 11, ... with the given entropies per drafted index (cycled) and confidence 0.5. */
    private static final class EntropyDrafter implements DraftSource {
        final float[] entropyCycle;
        final List<DraftStopRule> rules = new ArrayList<>();
        int next = 10;
        int drafted;

        EntropyDrafter(float... entropyCycle) {
            this.entropyCycle = entropyCycle;
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
            int[] tokens = new int[maxTokens];
            float[] confidences = new float[maxTokens];
            float[] entropies = new float[maxTokens];
            for (int i = 0; i < maxTokens; i++) {
                tokens[i] = next++;
                confidences[i] = 0.5f;
                entropies[i] = entropyCycle[drafted++ % entropyCycle.length];
            }
            return new Draft(tokens, null, confidences, entropies);
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
            rules.add(stop);
            return DraftSource.super.draft(committed, maxTokens, params, stop);
        }

        @Override
        public void close() {
        }
    }

    /** Accepts everything; records unchecked context and drafts; reports a fixed load. */
    private static final class RecordingVerifier implements VerifierChannel {
        final List<int[]> unchecked = new ArrayList<>();
        final List<int[]> drafts = new ArrayList<>();
        int next = 50;

        @Override
        public Verdict verify(int[] uncheckedContext, Draft draft) {
            unchecked.add(uncheckedContext.clone());
            drafts.add(draft.tokens());
            return new Verdict(draft.length(), next++, true, new float[draft.length()], 0f);
        }

        @Override
        public VerifierLoad load() {
            return new VerifierLoad(3, 1, 2);
        }

        @Override
        public void close() {
        }
    }

    /** Unverified = the leading tokens whose entropy is below 1. */
    private static final SwitchingPolicy TRUST_LOW_ENTROPY = draft -> {
        int n = 0;
        while (n < draft.length() && draft.entropies()[n] < 1f) {
            n++;
        }
        return n;
    };

    private final RecordingVerifier verifier = new RecordingVerifier();
    private final TokenSequence committed = new TokenSequence(PROMPT);
    private final List<int[]> received = new ArrayList<>();
    private long now;

    private GenerationOutcome run(DraftSource drafter, DraftLengthPolicy policy, SwitchingPolicy switching,
                                  StopCondition stop) {
        // Every clock reading advances 100 ns: a draft call and a verify call each measure 100 ns.
        return new SpeculationLoop(drafter, verifier, policy, switching, () -> now += 100)
                .run(committed, SamplingParams.GREEDY, stop, tokens -> received.add(tokens.clone()));
    }

    @Test
    void theLengthPolicysStopRuleEndsTheDraftAndEveryRoundIsTraced() {
        List<RoundTrace> traces = new ArrayList<>();
        DraftLengthPolicy policy = new DraftLengthPolicy() {
            @Override
            public int nextLength(LoopStats stats) {
                return 5;
            }

            @Override
            public DraftStopRule stopRule() {
                return (index, confidence) -> index == 1;
            }

            @Override
            public void observe(RoundTrace round) {
                traces.add(round);
            }
        };
        EntropyDrafter drafter = new EntropyDrafter(0f);
        run(drafter, policy, AlwaysVerify.INSTANCE, new StopCondition(6, new int[0]));

        assertEquals(2, verifier.drafts.size());
        assertArrayEquals(new int[] {10, 11}, verifier.drafts.get(0), "the rule stopped after index 1");
        assertEquals(2, drafter.rules.size(), "a fresh rule per drafting round");
        assertEquals(2, traces.size());
        RoundTrace first = traces.get(0);
        assertEquals(2, first.draftedTokens());
        assertEquals(100, first.draftNanos());
        assertEquals(100, first.verifyNanos());
        assertEquals(new VerifierLoad(3, 1, 2), first.load());
        assertEquals(3, first.load().sharers(), "batch of 2 plus 1 queued round");
    }

    @Test
    void unverifiedTokensCommitAtOnceAndReachTheVerifierAsUncheckedContext() {
        // Entropies cycle low, low, high: each draft of 3 trusts 2 tokens and verifies the third.
        EntropyDrafter drafter = new EntropyDrafter(0.1f, 0.2f, 3f);
        GenerationOutcome outcome = run(drafter, new FixedDraftLength(3), TRUST_LOW_ENTROPY,
                new StopCondition(8, new int[0]));

        assertArrayEquals(new int[] {10, 11, 12, 50, 13, 14, 15, 51}, committed.generated());
        assertEquals(List.of("[10, 11]", "[13, 14]"), verifier.unchecked.stream().map(Arrays::toString).toList());
        assertEquals(List.of("[12]", "[15]"), verifier.drafts.stream().map(Arrays::toString).toList());
        LoopStats stats = outcome.stats();
        assertEquals(4, stats.unverifiedTokens());
        assertEquals(8, stats.generatedTokens());
        assertEquals(0.5, stats.largeModelTokenFraction(), 1e-12);
        assertEquals(3, stats.modelSwitches(), "small, large, small, large");
        assertEquals(2, stats.rounds());
        assertEquals(2, stats.draftTokens(), "only verified tokens are drafts in vLLM's sense");
    }

    @Test
    void aDraftTrustedInFullNeedsNoVerification() {
        EntropyDrafter drafter = new EntropyDrafter(0.1f);
        GenerationOutcome outcome = run(drafter, new FixedDraftLength(4), TRUST_LOW_ENTROPY,
                new StopCondition(9, new int[0]));

        assertEquals(FinishReason.LENGTH, outcome.finishReason());
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 16, 17, 50}, committed.generated(),
                "two trusted drafts of 4, then the budget leaves one plain step");
        assertEquals(1, verifier.drafts.size());
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 16, 17}, verifier.unchecked.get(0),
                "the plain step carries all unverified tokens as context");
        assertEquals(0, outcome.stats().drafts());
        assertEquals(1, outcome.stats().zeroDraftRounds());
        assertEquals(8.0 / 9, 1 - outcome.stats().largeModelTokenFraction(), 1e-12);
    }

    @Test
    void aStopTokenAmongUnverifiedTokensEndsTheGeneration() {
        DraftSource drafter = new DraftSource() {
            @Override
            public Draft draft(TokenSequence c, int maxTokens, SamplingParams params) {
                return new Draft(new int[] {10, STOP, 12}, null, new float[3], new float[3]);
            }

            @Override
            public void close() {
            }
        };
        GenerationOutcome outcome = run(drafter, new FixedDraftLength(3), TRUST_LOW_ENTROPY,
                new StopCondition(20, new int[] {STOP}));

        assertEquals(FinishReason.STOP, outcome.finishReason());
        assertArrayEquals(new int[] {10, STOP}, committed.generated());
        assertEquals(0, verifier.drafts.size(), "nothing reached the verifier");
        assertEquals(2, outcome.stats().unverifiedTokens());
    }

    @Test
    void aSwitchingPolicyCannotTrustMoreThanWasDrafted() {
        SwitchingPolicy greedy = draft -> draft.length() + 1;
        assertThrows(IllegalStateException.class, () -> run(new EntropyDrafter(0f), new FixedDraftLength(2), greedy,
                new StopCondition(5, new int[0])));
    }

    @Test
    void draftLengthStatisticsCountPlainStepsAndChanges() {
        int[] lengths = {2, 2, 0, 3, 3, 1};
        int[] round = {0};
        GenerationOutcome outcome = run(new EntropyDrafter(0f), stats -> lengths[round[0]++], AlwaysVerify.INSTANCE,
                new StopCondition(3 + 3 + 1 + 4 + 4 + 2, new int[0]));

        LoopStats stats = outcome.stats();
        assertEquals(6, stats.rounds());
        assertEquals(1, stats.zeroDraftRounds());
        assertEquals(3, stats.draftLengthChanges(), "2→0, 0→3, 3→1");
        assertEquals(11.0 / 6, stats.meanDraftLength(), 1e-12);
        assertEquals(0, stats.modelSwitches());
        assertEquals(1.0, stats.largeModelTokenFraction());
    }
}
