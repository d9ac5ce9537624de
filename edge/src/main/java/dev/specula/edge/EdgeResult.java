package dev.specula.edge;

import dev.specula.core.loop.FinishReason;
import dev.specula.core.loop.LoopStats;

/**
 * One edge generation.
 *
 * @param text             the generated text
 * @param tokens           the generated token ids
 * @param finishReason     stop token, budget, or cancelled by the listener
 * @param stats            rounds, drafts, acceptance, discarded pipelined rounds
 * @param reconnects       verifier sessions reopened after link drops
 * @param bytesTransferred serialised protobuf bytes both ways over all of the session's streams
 * @param firstTokenNanos  from the call to the first committed token
 * @param elapsedNanos     from the call to the end of generation
 * @param draftDeadlineMisses rounds whose local draft missed the draft step deadline and went without it
 */
public record EdgeResult(String text, int[] tokens, FinishReason finishReason, LoopStats stats, int reconnects,
                         long bytesTransferred, long firstTokenNanos, long elapsedNanos, int draftDeadlineMisses) {

    /** Generated tokens per second of wall clock. */
    public double tokensPerSecond() {
        return elapsedNanos == 0 ? 0 : tokens.length * 1e9 / elapsedNanos;
    }
}
