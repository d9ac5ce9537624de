package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;

/** A draft source that never drafts: every round is a plain decoding step of the verifier (target-only). */
public final class NoDrafts implements DraftSource {

    public static final NoDrafts INSTANCE = new NoDrafts();

    private NoDrafts() {
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        return Draft.EMPTY;
    }

    @Override
    public void close() {
    }
}
