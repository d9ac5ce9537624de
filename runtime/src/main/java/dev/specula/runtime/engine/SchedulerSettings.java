package dev.specula.runtime.engine;

/**
 * How the scheduler forms batches.
 *
 * @param maxBatchSessions   sessions in one model call
 * @param maxBatchTokens     padded tokens in one model call: sessions × the widest session's new tokens. The
 *                           runtime's batched forward pads every session to the widest, so this bounds both
 *                           compute and the per-step staging memory
 * @param prefillChunkTokens a longer feed (a prompt prefill) runs as chunks of this many tokens, one per step,
 *                           with other sessions' steps in between (SARATHI-style), so decoders never wait for a
 *                           whole long prefill
 * @param stagingRetainBytes most direct memory the batched steps keep for reuse between steps (their padded KV);
 *                           a larger batch stages in buffers of its own, freed after the step
 */
public record SchedulerSettings(int maxBatchSessions, int maxBatchTokens, int prefillChunkTokens,
                                long stagingRetainBytes) {
    /** 256 MiB: 16 sessions at a past of about 1000 tokens of the bundled verifier, with 25% headroom. */
    public static final long DEFAULT_STAGING_RETAIN_BYTES = 256L << 20;

    public SchedulerSettings {
        if (maxBatchSessions < 1 || maxBatchTokens < 1 || prefillChunkTokens < 1 || stagingRetainBytes < 0) {
            throw new IllegalArgumentException("scheduler limits must be >= 1: max-batch-sessions " + maxBatchSessions
                    + ", max-batch-tokens " + maxBatchTokens + ", prefill-chunk-tokens " + prefillChunkTokens
                    + "; staging retain bytes >= 0: " + stagingRetainBytes);
        }
    }

    public SchedulerSettings(int maxBatchSessions, int maxBatchTokens, int prefillChunkTokens) {
        this(maxBatchSessions, maxBatchTokens, prefillChunkTokens, DEFAULT_STAGING_RETAIN_BYTES);
    }

    public static SchedulerSettings defaults() {
        return new SchedulerSettings(32, 512, 256);
    }
}
