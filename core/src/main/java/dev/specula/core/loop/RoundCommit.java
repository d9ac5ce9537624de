package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;
import java.util.Arrays;

/**
 * What committing a run of tokens did: how many were emitted, and why the generation ends (null: go on). Shared
 * by the plain and the pipelined loop, so both stop, cut at the budget and hand tokens to the sink alike.
 */
record RoundCommit(int emitted, FinishReason end) {

    /** Commits tokens up to and including the first stop token, within the budget, and hands them to the sink. */
    static RoundCommit commit(int[] tokens, TokenSequence committed, StopCondition stop, TokenSink sink) {
        int budget = stop.maxNewTokens() - committed.generatedLength();
        int emit = tokensToEmit(tokens, stop, budget);
        int[] emitted = emit == tokens.length ? tokens : Arrays.copyOf(tokens, emit);
        committed.append(emitted, 0, emit);
        boolean keepGoing = sink.accept(emitted);
        if (emit > 0 && stop.isStopToken(emitted[emit - 1])) {
            return new RoundCommit(emit, FinishReason.STOP);
        }
        if (committed.generatedLength() >= stop.maxNewTokens()) {
            return new RoundCommit(emit, FinishReason.LENGTH);
        }
        return new RoundCommit(emit, keepGoing ? null : FinishReason.CANCELLED);
    }

    /** A verified round's tokens: the accepted drafts, the recovered or bonus token, then any extra plain steps. */
    static int[] roundTokens(Draft draft, Verdict verdict) {
        int[] extra = verdict.extraTokens();
        int[] tokens = new int[verdict.accepted() + 1 + extra.length];
        System.arraycopy(draft.tokens(), 0, tokens, 0, verdict.accepted());
        tokens[verdict.accepted()] = verdict.nextToken();
        System.arraycopy(extra, 0, tokens, verdict.accepted() + 1, extra.length);
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
