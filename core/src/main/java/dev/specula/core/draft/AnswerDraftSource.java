package dev.specula.core.draft;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;

/**
 * Replays a finished answer of the small model as drafts (the cascade's escalation): while the committed tokens
 * after the prompt are a prefix of the answer, it proposes the answer's next tokens, with the distributions,
 * confidences and entropies they were drawn with; once the committed sequence leaves the answer (a rejection, or a
 * bonus token that differs) or the answer is used up, it proposes nothing, and a
 * {@linkplain HybridDraftSource fallback} drafts instead. Answer token i was drawn at absolute position
 * {@code promptLength + i} given the answer before it, which is the committed sequence whenever it is proposed,
 * so verifying it is verifying an ordinary draft.
 */
public final class AnswerDraftSource implements DraftSource {
    private final Draft answer;
    private final int promptLength;
    private int matched;
    private boolean left;

    /** @param answer the small model's answer, drafted right after a prompt of {@code promptLength} tokens */
    public AnswerDraftSource(Draft answer, int promptLength) {
        this.answer = answer;
        this.promptLength = promptLength;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        int generated = committed.length() - promptLength;
        while (!left && matched < generated) {
            if (matched >= answer.length() || committed.get(promptLength + matched) != answer.tokens()[matched]) {
                left = true;
            } else {
                matched++;
            }
        }
        if (left || generated != matched || matched >= answer.length() || maxTokens <= 0) {
            return Draft.EMPTY;
        }
        return answer.prefix(Math.min(answer.length(), matched + maxTokens)).suffix(matched);
    }

    /** True while the committed sequence, as of the last draft call, still follows an unfinished answer. */
    public boolean replaying() {
        return !left && matched < answer.length();
    }

    /** Answer tokens the committed sequence had taken at the last draft call (the verified prefix kept). */
    public int matchedTokens() {
        return matched;
    }

    @Override
    public void close() {
    }
}
