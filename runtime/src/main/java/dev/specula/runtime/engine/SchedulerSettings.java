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
 */
public record SchedulerSettings(int maxBatchSessions, int maxBatchTokens, int prefillChunkTokens) {

    public SchedulerSettings {
        if (maxBatchSessions < 1 || maxBatchTokens < 1 || prefillChunkTokens < 1) {
            throw new IllegalArgumentException("scheduler limits must be >= 1: max-batch-sessions " + maxBatchSessions
                    + ", max-batch-tokens " + maxBatchTokens + ", prefill-chunk-tokens " + prefillChunkTokens);
        }
    }

    public static SchedulerSettings defaults() {
        return new SchedulerSettings(32, 512, 256);
    }
}
