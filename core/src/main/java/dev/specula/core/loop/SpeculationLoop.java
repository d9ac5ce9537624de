package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;

/**
 * The speculation loop: draft k, verify, commit the accepted prefix plus one recovered-or-bonus token, repeat.
 * It runs where the drafter runs (drafter service, or an edge device); its only remote call is one
 * {@link VerifierChannel#verify} per round. The draft source re-synchronises itself to the committed
 * sequence on each call, so rollback after a rejection needs no extra step here.
 */
public final class SpeculationLoop {
    private final DraftSource drafter;
    private final VerifierChannel verifier;
    private final DraftLengthPolicy policy;

    public SpeculationLoop(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy) {
        this.drafter = drafter;
        this.verifier = verifier;
        this.policy = policy;
    }

    /**
     * Generates until a stop token, the token budget, or cancellation by the sink.
     *
     * @param committed the prompt (the verifier channel was opened on the same tokens); grows as tokens commit
     */
    public GenerationOutcome run(TokenSequence committed, SamplingParams params, StopCondition stop, TokenSink sink) {
        LoopStats stats = new LoopStats();
        int[] noContext = new int[0];
        while (true) {
            int budget = stop.maxNewTokens() - committed.generatedLength();
            // Drafting past the budget is wasted work: the last round needs at most budget - 1 drafts.
            int k = Math.min(policy.nextLength(stats), budget - 1);
            Draft draft = k > 0 ? drafter.draft(committed, k, params) : Draft.EMPTY;
            if (draft.length() > Math.max(k, 0)) {
                throw new IllegalStateException("draft source returned " + draft.length() + " tokens, asked for " + k);
            }
            Verdict verdict = verifier.verify(noContext, draft);
            if (verdict.accepted() > draft.length()) {
                // A remote verifier is input like any other: never index the draft with its word alone.
                throw new IllegalStateException("verifier accepted " + verdict.accepted() + " of "
                        + draft.length() + " drafted tokens");
            }
            int[] roundTokens = roundTokens(draft, verdict);
            int emit = tokensToEmit(roundTokens, stop, budget);
            stats.recordRound(draft.length(), verdict.accepted(), emit);
            int[] emitted = emit == roundTokens.length ? roundTokens : java.util.Arrays.copyOf(roundTokens, emit);
            committed.append(emitted, 0, emit);
            boolean keepGoing = sink.accept(emitted);
            if (emit > 0 && stop.isStopToken(emitted[emit - 1])) {
                return new GenerationOutcome(FinishReason.STOP, stats);
            }
            if (committed.generatedLength() >= stop.maxNewTokens()) {
                return new GenerationOutcome(FinishReason.LENGTH, stats);
            }
            if (!keepGoing) {
                return new GenerationOutcome(FinishReason.CANCELLED, stats);
            }
        }
    }

    private static int[] roundTokens(Draft draft, Verdict verdict) {
        int[] tokens = new int[verdict.accepted() + 1];
        System.arraycopy(draft.tokens(), 0, tokens, 0, verdict.accepted());
        tokens[verdict.accepted()] = verdict.nextToken();
        return tokens;
    }

    /** How many of a round's tokens to emit: up to and including the first stop token, within the budget. */
    private static int tokensToEmit(int[] roundTokens, StopCondition stop, int budget) {
        int limit = Math.min(roundTokens.length, budget);
        for (int i = 0; i < limit; i++) {
            if (stop.isStopToken(roundTokens[i])) {
                return i + 1;
            }
        }
        return limit;
    }
}
