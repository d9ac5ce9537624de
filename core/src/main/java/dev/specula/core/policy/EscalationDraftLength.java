package dev.specula.core.policy;

import dev.specula.core.draft.AnswerDraftSource;
import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.RoundTrace;

/**
 * Draft lengths of a cascade's escalation: chunks of {@code chunk} tokens while the small model's answer is being
 * replayed as drafts, then {@code afterwards} (the request's own policy) once the verifier has left the answer.
 * The replay's state is as of its last draft call, so the round right after the answer was left may still ask for
 * a chunk; the fallback drafter then drafts at most that much once.
 */
public final class EscalationDraftLength implements DraftLengthPolicy {
    private final AnswerDraftSource answer;
    private final int chunk;
    private final DraftLengthPolicy afterwards;

    public EscalationDraftLength(AnswerDraftSource answer, int chunk, DraftLengthPolicy afterwards) {
        if (chunk < 1) {
            throw new IllegalArgumentException("escalation chunk must be >= 1, got " + chunk);
        }
        this.answer = answer;
        this.chunk = chunk;
        this.afterwards = afterwards;
    }

    @Override
    public int nextLength(LoopStats stats) {
        return answer.replaying() ? chunk : afterwards.nextLength(stats);
    }

    @Override
    public DraftStopRule stopRule() {
        return answer.replaying() ? DraftStopRule.NEVER : afterwards.stopRule();
    }

    @Override
    public void observe(RoundTrace round) {
        afterwards.observe(round);
    }
}
