package dev.specula.runtime.engine;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;

/**
 * Drafts the known greedy continuation, wrong at every {@code period}-th position: rounds then mix full
 * acceptances (bonus tokens) with rejections at varying depths, all without a draft model.
 */
final class ScriptedDrafts implements DraftSource {
    private final int[] path;
    private final int period;

    /** @param path the target's greedy continuation of the prompt */
    ScriptedDrafts(int[] path, int period) {
        this.path = path;
        this.period = period;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        int at = committed.generatedLength();
        int k = Math.max(0, Math.min(maxTokens, path.length - at));
        int[] tokens = new int[k];
        for (int i = 0; i < k; i++) {
            int position = at + i;
            tokens[i] = position % period == period - 1 ? (path[position] + 1) % 256 : path[position];
        }
        return new Draft(tokens, null, new float[k]);
    }

    @Override
    public void close() {
    }
}
