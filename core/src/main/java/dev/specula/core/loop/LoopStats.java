package dev.specula.core.loop;

import java.util.Arrays;

/**
 * Counters of one generation, in vLLM's vocabulary: a <em>draft</em> is one round's drafted run; mean
 * acceptance length = 1 + accepted / drafts (it counts the recovered-or-bonus token). Plus what the policies
 * decided: draft lengths per round, and in entropy-adaptive mode the tokens committed without verification and
 * the hand-overs between the small and the large model.
 */
public final class LoopStats {
    private long rounds;
    private long drafts;
    private long draftTokens;
    private long acceptedTokens;
    private long[] acceptedPerPosition = new long[8];
    private long generatedTokens;
    private long zeroDraftRounds;
    private long draftLengthChanges;
    private int lastDraftLength = -1;
    private long unverifiedTokens;
    private long modelSwitches;
    private long discardedRounds;
    private long discardedDraftTokens;
    /** Who decided the last committed token: 0 = nobody yet, 1 = the small model alone, 2 = the verifier. */
    private int lastDecider;

    void recordRound(int drafted, int accepted, int committed) {
        rounds++;
        if (drafted > 0) {
            drafts++;
            draftTokens += drafted;
            acceptedTokens += accepted;
            if (accepted > acceptedPerPosition.length) {
                acceptedPerPosition = Arrays.copyOf(acceptedPerPosition, Math.max(accepted, acceptedPerPosition.length * 2));
            }
            for (int i = 0; i < accepted; i++) {
                acceptedPerPosition[i]++;
            }
        } else {
            zeroDraftRounds++;
        }
        if (lastDraftLength >= 0 && drafted != lastDraftLength) {
            draftLengthChanges++;
        }
        lastDraftLength = drafted;
        generatedTokens += committed;
        decidedBy(2, committed);
    }

    /** A pipelined round the verifier discarded because the round before it fell short of its assumption. */
    void recordDiscarded(int draftedTokens) {
        discardedRounds++;
        discardedDraftTokens += draftedTokens;
    }

    /** Tokens the loop committed without verification (entropy-adaptive mode). */
    void recordUnverified(int committed) {
        unverifiedTokens += committed;
        generatedTokens += committed;
        decidedBy(1, committed);
    }

    private void decidedBy(int decider, int committed) {
        if (committed == 0) {
            return;
        }
        if (lastDecider != 0 && lastDecider != decider) {
            modelSwitches++;
        }
        lastDecider = decider;
    }

    /** Verification rounds, including plain decoding steps (k = 0). */
    public long rounds() {
        return rounds;
    }

    /** Rounds that drafted at least one token. */
    public long drafts() {
        return drafts;
    }

    public long draftTokens() {
        return draftTokens;
    }

    public long acceptedTokens() {
        return acceptedTokens;
    }

    /** {@code [i]} = drafts whose token at position i was accepted. */
    public long[] acceptedPerPosition() {
        return acceptedPerPosition.clone();
    }

    public long generatedTokens() {
        return generatedTokens;
    }

    /** Accepted / drafted tokens; 0 when nothing was drafted. */
    public double acceptanceRate() {
        return draftTokens == 0 ? 0.0 : (double) acceptedTokens / draftTokens;
    }

    /** 1 + accepted / drafts; 1 when nothing was drafted. */
    public double meanAcceptanceLength() {
        return drafts == 0 ? 1.0 : 1.0 + (double) acceptedTokens / drafts;
    }

    /** Drafted tokens per verification round, k = 0 rounds included (the mean k the policy chose); 0 before any. */
    public double meanDraftLength() {
        return rounds == 0 ? 0.0 : (double) draftTokens / rounds;
    }

    /** Verification rounds that drafted nothing: plain decoding steps. */
    public long zeroDraftRounds() {
        return zeroDraftRounds;
    }

    /** Rounds whose draft length differed from the previous round's. */
    public long draftLengthChanges() {
        return draftLengthChanges;
    }

    /** Tokens committed without verification (entropy-adaptive mode). */
    public long unverifiedTokens() {
        return unverifiedTokens;
    }

    /** Hand-overs between the small model alone (unverified tokens) and the verifier, in either direction. */
    public long modelSwitches() {
        return modelSwitches;
    }

    /** Share of generated tokens the verifier decided (accepted, recovered or bonus); 1 before any token. */
    public double largeModelTokenFraction() {
        return generatedTokens == 0 ? 1.0 : (double) (generatedTokens - unverifiedTokens) / generatedTokens;
    }

    /** Pipelined rounds sent ahead and discarded (their assumption failed); not counted in {@link #rounds()}. */
    public long discardedRounds() {
        return discardedRounds;
    }

    /** Tokens drafted for discarded pipelined rounds: the drafting that pipelining wasted. */
    public long discardedDraftTokens() {
        return discardedDraftTokens;
    }
}
