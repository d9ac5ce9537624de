package dev.specula.core.loop;

import java.util.Arrays;

/**
 * Counters of one generation, in vLLM's vocabulary: a <em>draft</em> is one round's drafted run; mean
 * acceptance length = 1 + accepted / drafts (it counts the recovered-or-bonus token).
 */
public final class LoopStats {
    private long rounds;
    private long drafts;
    private long draftTokens;
    private long acceptedTokens;
    private long[] acceptedPerPosition = new long[8];
    private long generatedTokens;

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
        }
        generatedTokens += committed;
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
}
