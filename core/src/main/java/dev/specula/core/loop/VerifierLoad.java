package dev.specula.core.loop;

/**
 * What a verifier reports about its load with each verdict, for load-aware draft lengths.
 *
 * @param runningSessions sessions open on the verifier, this one included; 0 when unknown
 * @param queueDepth      verification rounds waiting for a forward pass; 0 when none or not reported
 * @param batchSize       sessions whose tokens shared the forward pass of this round; 0 when unknown (read as 1)
 */
public record VerifierLoad(int runningSessions, int queueDepth, int batchSize) {

    /** Nothing reported (an in-process verifier, or an old server). */
    public static final VerifierLoad UNKNOWN = new VerifierLoad(0, 0, 0);

    public VerifierLoad {
        if (runningSessions < 0 || queueDepth < 0 || batchSize < 0) {
            throw new IllegalArgumentException("load counts must be >= 0");
        }
    }

    /**
     * Rounds whose tokens share forward passes with this session's: the batch plus the rounds queued for the next
     * ones, at least 1. An extra drafted token lengthens a shared forward for all of them.
     */
    public int sharers() {
        return Math.max(1, batchSize) + queueDepth;
    }
}
