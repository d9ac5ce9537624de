package dev.specula.service.grpc;

import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.SpeculationLoop;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.proto.mapping.ProtoMapping;

/**
 * Runs the shared speculation loop and streams each round's tokens as a chunk, then one summary. Used for
 * target-only decoding (verifier, no drafts), speculative and draft-only generation (drafter).
 */
public final class GenerationStreamer {

    private GenerationStreamer() {
    }

    /** @return how the generation ended, for the caller's metrics */
    public static GenerationOutcome stream(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                                           int[] prompt, SamplingParams params, StopCondition stop, Mode mode,
                                           FlowControlledSender<GenerateEvent> out) {
        return stream(drafter, verifier, policy, prompt, params, stop, mode, 0, out);
    }

    /**
     * As above, reporting {@code cachedTokens} (prompt tokens served from a KV cache) in the summary.
     *
     * @return how the generation ended, for the caller's metrics
     */
    public static GenerationOutcome stream(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                                           int[] prompt, SamplingParams params, StopCondition stop, Mode mode,
                                           int cachedTokens, FlowControlledSender<GenerateEvent> out) {
        long start = System.nanoTime();
        TokenSequence committed = new TokenSequence(prompt);
        GenerationOutcome outcome = new SpeculationLoop(drafter, verifier, policy).run(committed, params, stop,
                tokens -> {
                    TokenChunk.Builder chunk = TokenChunk.newBuilder();
                    for (int t : tokens) {
                        chunk.addTokenIds(t);
                    }
                    return out.send(GenerateEvent.newBuilder().setChunk(chunk).build());
                });
        LoopStats stats = outcome.stats();
        out.send(GenerateEvent.newBuilder().setSummary(GenerationSummary.newBuilder()
                .setMode(mode)
                .setFinishReason(ProtoMapping.finishReason(outcome.finishReason()))
                .setPromptTokens(prompt.length)
                .setCompletionTokens(committed.generatedLength())
                .setStats(ProtoMapping.stats(stats))
                .setCachedTokens(cachedTokens)
                .setElapsedSeconds((System.nanoTime() - start) / 1e9)).build());
        out.complete();
        return outcome;
    }
}
