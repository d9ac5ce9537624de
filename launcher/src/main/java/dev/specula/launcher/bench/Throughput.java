package dev.specula.launcher.bench;

/** Tokens and seconds summed over the runs of one arm: tokens/s is total tokens over total time. */
final class Throughput {
    private long tokens;
    private double seconds;
    private long drafts;
    private long draftTokens;
    private long acceptedTokens;

    void add(long tokens, double seconds) {
        this.tokens += tokens;
        this.seconds += seconds;
    }

    void addSpeculation(long drafts, long draftTokens, long acceptedTokens) {
        this.drafts += drafts;
        this.draftTokens += draftTokens;
        this.acceptedTokens += acceptedTokens;
    }

    double tokensPerSecond() {
        return seconds == 0 ? 0 : tokens / seconds;
    }

    double acceptanceRate() {
        return draftTokens == 0 ? 0 : (double) acceptedTokens / draftTokens;
    }

    double meanAcceptedLength() {
        return drafts == 0 ? 1 : 1 + (double) acceptedTokens / drafts;
    }
}
