package dev.specula.runtime.speculation;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;

/**
 * A drafter that disagrees with the target on purpose: it wraps a {@link ModelDraftSource} and replaces every
 * {@code period}-th drafted token (counted over the whole generation) by a different byte. Rejections then
 * happen at varying positions, exercising the rollback of both the verifier's and the drafter's KV — the
 * wrapped drafter ingested the original token, so it must notice the divergence when it syncs.
 */
final class PerturbedDraftSource implements DraftSource {
    private final ModelDraftSource inner;
    private final int period;
    private long drafted;

    PerturbedDraftSource(ModelDraftSource inner, int period) {
        this.inner = inner;
        this.period = period;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        Draft draft = inner.draft(committed, maxTokens, params);
        int[] tokens = draft.tokens().clone();
        for (int i = 0; i < tokens.length; i++) {
            if (++drafted % period == 0) {
                tokens[i] = (tokens[i] + 1) % 256;
            }
        }
        return new Draft(tokens, null, draft.confidences());
    }

    @Override
    public void close() {
        inner.close();
    }
}
