package dev.specula.runtime.engine;

import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.NoDrafts;
import dev.specula.core.loop.SpeculationLoop;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.speculation.InProcessDecoding;

/** Greedy generations for the engine tests: the unbatched, uncached reference and loops over any channel. */
final class Generations {
    private Generations() {
    }

    /** Target-only greedy decoding, directly on the model: the ground truth. */
    static int[] reference(DecoderModel model, int[] prompt, int tokens) {
        return InProcessDecoding.targetOnly(model, prompt, SamplingParams.GREEDY, stop(tokens)).tokens();
    }

    /** Greedy speculative generation with draft length k over {@code verifier}. */
    static int[] run(VerifierChannel verifier, DraftSource drafts, int[] prompt, int k, int tokens) {
        TokenSequence committed = new TokenSequence(prompt);
        new SpeculationLoop(drafts, verifier, new FixedDraftLength(k))
                .run(committed, SamplingParams.GREEDY, stop(tokens), emitted -> true);
        return committed.generated();
    }

    /** Plain decoding over {@code verifier}, continuing {@code committed} by {@code tokens} more. */
    static int[] decode(VerifierChannel verifier, TokenSequence committed, int tokens) {
        int before = committed.generatedLength();
        new SpeculationLoop(NoDrafts.INSTANCE, verifier, new FixedDraftLength(0))
                .run(committed, SamplingParams.GREEDY, stop(before + tokens), emitted -> true);
        return java.util.Arrays.copyOfRange(committed.generated(), before, committed.generatedLength());
    }

    static StopCondition stop(int tokens) {
        return new StopCondition(tokens, new int[0]);
    }
}
