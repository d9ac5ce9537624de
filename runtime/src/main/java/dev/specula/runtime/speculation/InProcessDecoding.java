package dev.specula.runtime.speculation;

import dev.specula.core.loop.AlwaysVerify;
import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.NoDrafts;
import dev.specula.core.loop.SpeculationLoop;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.SwitchingPolicy;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.tokenizer.SharedVocabulary;

/**
 * Generation with local models through core's one {@link SpeculationLoop}: target-only decoding (k = 0, no
 * draft source) and speculative decoding with a draft model. The benchmarks' in-process baseline; the
 * services run the same loop over gRPC.
 */
public final class InProcessDecoding {
    private InProcessDecoding() {
    }

    /** Plain decoding by the target alone: every round is a k = 0 verify step. */
    public static Generation targetOnly(DecoderModel target, int[] prompt, SamplingParams params, StopCondition stop) {
        return run(NoDrafts.INSTANCE, target, prompt, params, new FixedDraftLength(0), stop);
    }

    /**
     * Speculative decoding: {@code drafter} drafts, {@code target} verifies.
     *
     * @throws dev.specula.runtime.tokenizer.VocabularyMismatchException when the two do not share a tokenizer
     */
    public static Generation speculative(DecoderModel drafter, DecoderModel target, int[] prompt, SamplingParams params,
                                         DraftLengthPolicy policy, StopCondition stop) {
        SharedVocabulary.require(drafter.folder(), drafter.tokenizerFile(), drafter.vocabSize(),
                target.folder(), target.tokenizerFile(), target.vocabSize());
        try (ModelDraftSource source = new ModelDraftSource(drafter)) {
            return run(source, target, prompt, params, policy, stop);
        }
    }

    /**
     * Speculative decoding with any draft source (a model, n-gram lookup, a hybrid) against {@code target}; the
     * caller owns the source and closes it. Lossless: greedy output equals {@link #targetOnly}'s.
     */
    public static Generation speculative(DraftSource source, DecoderModel target, int[] prompt, SamplingParams params,
                                         DraftLengthPolicy policy, StopCondition stop) {
        return run(source, target, prompt, params, policy, AlwaysVerify.INSTANCE, stop);
    }

    /**
     * The loop with a switching policy, e.g. entropy-adaptive (lossy: tokens it trusts commit unverified); the
     * caller owns the source.
     */
    public static Generation switching(DraftSource source, DecoderModel target, int[] prompt, SamplingParams params,
                                       DraftLengthPolicy policy, SwitchingPolicy switching, StopCondition stop) {
        return run(source, target, prompt, params, policy, switching, stop);
    }

    private static Generation run(DraftSource source, DecoderModel target, int[] prompt, SamplingParams params,
                                  DraftLengthPolicy policy, StopCondition stop) {
        return run(source, target, prompt, params, policy, AlwaysVerify.INSTANCE, stop);
    }

    private static Generation run(DraftSource source, DecoderModel target, int[] prompt, SamplingParams params,
                                  DraftLengthPolicy policy, SwitchingPolicy switching, StopCondition stop) {
        TokenSequence committed = new TokenSequence(prompt);
        try (VerifierSession verifier = VerifierSession.open(target, prompt, params)) {
            GenerationOutcome outcome = new SpeculationLoop(source, verifier, policy, switching, System::nanoTime)
                    .run(committed, params, stop, tokens -> true);
            return new Generation(committed.generated(), outcome);
        }
    }
}
