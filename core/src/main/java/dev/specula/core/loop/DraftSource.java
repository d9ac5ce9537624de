package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;

/**
 * Where drafts come from: a small model, n-gram lookup over the context, or nothing.
 *
 * <p>A draft source is stateful per generation (a model drafter keeps its KV cache). It synchronises itself to
 * the committed sequence on every call: tokens it has ingested beyond the longest common prefix with
 * {@code committed} are rolled back, and committed tokens it has not yet ingested (the correction or bonus
 * token of the last round, and on full acceptance the last drafted token too) are ingested before drafting.
 * So the loop never has to tell it what was accepted.
 */
public interface DraftSource extends AutoCloseable {

    /**
     * Drafts up to {@code maxTokens} tokens continuing {@code committed}.
     *
     * @param committed the whole committed sequence (prompt + generated), read-only
     * @param maxTokens the most tokens to draft; the source may return fewer (even none)
     * @param params    the request's sampling parameters; drafts are drawn from the shaped distribution
     */
    Draft draft(TokenSequence committed, int maxTokens, SamplingParams params);

    /**
     * As {@link #draft(TokenSequence, int, SamplingParams)}, ending the draft after the first token at which
     * {@code stop} says so. This default drafts in full and then cuts; sources whose drafting costs per token (a
     * model) override it to stop drafting there.
     */
    default Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
        Draft draft = draft(committed, maxTokens, params);
        for (int i = 0; i < draft.length(); i++) {
            if (stop.stopAfter(i, draft.confidences()[i])) {
                return draft.prefix(i + 1);
            }
        }
        return draft;
    }

    /**
     * Plain steps the source will sit out after the round now being drafted commits, e.g. while it backs off a
     * drafter that keeps missing its {@link DraftDeadline}: a round it leaves without a draft may ask the verifier
     * for that many extra plain steps in the same round trip. 0 by default.
     */
    default int plainStepsAhead(TokenSequence committed) {
        return 0;
    }

    /** Releases per-generation resources (KV memory). Idempotent. */
    @Override
    void close();
}
