package dev.specula.service.grpc;

import dev.specula.core.loop.AlwaysVerify;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.FinishReason;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.RoundListener;
import dev.specula.core.loop.SpeculationLoop;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.SwitchingPolicy;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.proto.mapping.ProtoMapping;
import java.util.function.Consumer;

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
        return stream(drafter, verifier, policy, AlwaysVerify.INSTANCE, prompt, params, stop, mode, cachedTokens,
                summary -> { }, out);
    }

    /**
     * As above with a switching policy (entropy-adaptive mode trusts some drafts unverified) and a hook that adds
     * what only the caller knows to the summary (draft source, n-gram drafts, cascade escalation), after the loop.
     *
     * @return how the generation ended, for the caller's metrics
     */
    public static GenerationOutcome stream(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                                           SwitchingPolicy switching, int[] prompt, SamplingParams params,
                                           StopCondition stop, Mode mode, int cachedTokens,
                                           Consumer<GenerationSummary.Builder> summaryExtras,
                                           FlowControlledSender<GenerateEvent> out) {
        return stream(drafter, verifier, policy, switching, prompt, params, stop, mode, cachedTokens, summaryExtras,
                RoundListener.NONE, out);
    }

    /**
     * As above, telling {@code rounds} about each round of the loop (the drafter traces them).
     *
     * @return how the generation ended, for the caller's metrics
     */
    public static GenerationOutcome stream(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                                           SwitchingPolicy switching, int[] prompt, SamplingParams params,
                                           StopCondition stop, Mode mode, int cachedTokens,
                                           Consumer<GenerationSummary.Builder> summaryExtras, RoundListener rounds,
                                           FlowControlledSender<GenerateEvent> out) {
        long start = System.nanoTime();
        TokenSequence committed = new TokenSequence(prompt);
        GenerationOutcome outcome = new SpeculationLoop(drafter, verifier, policy, switching, System::nanoTime, rounds)
                .run(committed, params, stop, tokens -> out.send(chunk(tokens)));
        LoopStats stats = outcome.stats();
        GenerationSummary.Builder summary = GenerationSummary.newBuilder()
                .setMode(mode)
                .setFinishReason(ProtoMapping.finishReason(outcome.finishReason()))
                .setPromptTokens(prompt.length)
                .setCompletionTokens(committed.generatedLength())
                .setStats(ProtoMapping.stats(stats))
                .setCachedTokens(cachedTokens);
        summaryExtras.accept(summary);
        out.sendFinal(GenerateEvent.newBuilder().setSummary(summary
                .setElapsedSeconds((System.nanoTime() - start) / 1e9)).build());
        out.complete();
        return outcome;
    }

    /**
     * Streams tokens decided without the loop (a cascade's unescalated answer) as one chunk, then a summary with
     * {@code stats} and the caller's extras.
     */
    public static void streamTokens(int[] prompt, int[] tokens, FinishReason finishReason, Mode mode,
                                    SpeculationStats stats, Consumer<GenerationSummary.Builder> summaryExtras,
                                    long startNanos, FlowControlledSender<GenerateEvent> out) {
        if (tokens.length > 0) {
            out.send(chunk(tokens));
        }
        GenerationSummary.Builder summary = GenerationSummary.newBuilder()
                .setMode(mode)
                .setFinishReason(ProtoMapping.finishReason(finishReason))
                .setPromptTokens(prompt.length)
                .setCompletionTokens(tokens.length)
                .setStats(stats);
        summaryExtras.accept(summary);
        out.sendFinal(GenerateEvent.newBuilder().setSummary(summary
                .setElapsedSeconds((System.nanoTime() - startNanos) / 1e9)).build());
        out.complete();
    }

    private static GenerateEvent chunk(int[] tokens) {
        TokenChunk.Builder chunk = TokenChunk.newBuilder();
        for (int t : tokens) {
            chunk.addTokenIds(t);
        }
        return GenerateEvent.newBuilder().setChunk(chunk).build();
    }
}
