package dev.specula.core.loop;

import dev.specula.core.sampling.DraftSampling;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;

/**
 * Drafts from {@link ToyLanguageModel#draft}, shaped with the request's parameters. It has no state to
 * synchronise (a bigram needs only the last committed token), which keeps the test about the loop and the rule,
 * not about KV bookkeeping.
 */
final class ToyDraftSource implements DraftSource {
    private final ToyLanguageModel model;

    ToyDraftSource(ToyLanguageModel model) {
        this.model = model;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        int[] tokens = new int[maxTokens];
        SparseDistribution[] distributions = new SparseDistribution[maxTokens];
        float[] confidences = new float[maxTokens];
        int previous = committed.last();
        for (int i = 0; i < maxTokens; i++) {
            distributions[i] = model.draft(previous);
            // Keyed by absolute position, exactly as a model drafter does.
            tokens[i] = DraftSampling.drawDraftToken(distributions[i], params.seed(), committed.length() + i);
            confidences[i] = distributions[i].probOf(tokens[i]);
            previous = tokens[i];
        }
        return new Draft(tokens, params.greedy() ? null : distributions, confidences);
    }

    @Override
    public void close() {
    }
}
