package dev.specula.core.draft;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;

/**
 * A cheap draft source in front of a model drafter: each round the {@code first} source (n-gram lookup, or the
 * cascade's answer replay) proposes; when it has nothing — no suffix match long enough — the {@code fallback}
 * drafts (the model).
 *
 * <p>With {@code compete} set, the first source must also earn its turns within the request: the source measures
 * how many tokens of each of its proposals were committed (it reads them off the committed sequence at the next
 * call, so it needs no verdicts), keeps an exponentially weighted mean per source, and lets the first source
 * propose only while its mean is at least the fallback's — or every {@value #RETRY_EVERY}th time it has a
 * proposal, so that a change in the text can be noticed. Both means start equal, so the first source goes first.
 * Decisions depend only on the committed sequence, never on randomness: lossless, and replays identically.
 */
public final class HybridDraftSource implements DraftSource {
    static final int RETRY_EVERY = 8;
    private static final double DECAY = 0.8;
    private static final double PRIOR = 1.0;

    private final DraftSource first;
    private final DraftSource fallback;
    private final boolean compete;
    private final double[] meanCommitted = {PRIOR, PRIOR};
    private long firstDrafts;
    private long fallbackDrafts;
    private int[] lastProposal;
    private int lastStart;
    private int lastSource;
    private int skippedProposals;

    public HybridDraftSource(DraftSource first, DraftSource fallback, boolean compete) {
        this.first = first;
        this.fallback = fallback;
        this.compete = compete;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        return draft(committed, maxTokens, params, DraftStopRule.NEVER);
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
        scoreLastProposal(committed);
        Draft draft = first.draft(committed, maxTokens, params, stop);
        if (draft.length() > 0 && firstMayPropose()) {
            firstDrafts++;
            return remember(committed, draft, 0);
        }
        draft = fallback.draft(committed, maxTokens, params, stop);
        if (draft.length() > 0) {
            fallbackDrafts++;
        }
        return remember(committed, draft, 1);
    }

    private boolean firstMayPropose() {
        if (!compete || meanCommitted[0] >= meanCommitted[1] || ++skippedProposals >= RETRY_EVERY) {
            skippedProposals = 0;
            return true;
        }
        return false;
    }

    private Draft remember(TokenSequence committed, Draft draft, int source) {
        lastProposal = draft.length() > 0 ? draft.tokens() : null;
        lastStart = committed.length();
        lastSource = source;
        return draft;
    }

    /** How many tokens of the last proposal the committed sequence took, folded into that source's mean. */
    private void scoreLastProposal(TokenSequence committed) {
        if (lastProposal == null) {
            return;
        }
        int taken = 0;
        while (taken < lastProposal.length && lastStart + taken < committed.length()
                && committed.get(lastStart + taken) == lastProposal[taken]) {
            taken++;
        }
        meanCommitted[lastSource] = DECAY * meanCommitted[lastSource] + (1 - DECAY) * taken;
        lastProposal = null;
    }

    /** Rounds drafted by the first source (n-gram lookup, answer replay). */
    public long firstDrafts() {
        return firstDrafts;
    }

    /** Rounds drafted by the fallback (the model). */
    public long fallbackDrafts() {
        return fallbackDrafts;
    }

    @Override
    public void close() {
        try {
            first.close();
        } finally {
            fallback.close();
        }
    }
}
