package dev.specula.runtime.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * The serving engine's knobs (the verifier maps {@code specula.verifier.*} onto these).
 *
 * @param kvBudgetBytes        KV memory all sessions together may hold (direct memory, worst case per session,
 *                             see {@link KvFootprint})
 * @param admissionWait        how long a session waits for KV memory before RESOURCE_EXHAUSTED
 * @param idleEvictAfter       a session without a round for this long has its KV offloaded and freed; it is
 *                             restored (or recomputed) at its next round
 * @param blockTokens          tokens per KV block (prefix caching and store granularity)
 * @param prefixCacheBytes     heap bytes of exported blocks the verifier keeps itself; 0 disables it
 * @param offloadInFlightBytes exported bytes that may wait for the store at once; more are dropped
 * @param scheduler            batching limits
 * @param batching             false: every session runs its own forwards (no scheduler), for comparison
 */
public record EngineSettings(long kvBudgetBytes, Duration admissionWait, Duration idleEvictAfter, int blockTokens,
                             long prefixCacheBytes, long offloadInFlightBytes, SchedulerSettings scheduler,
                             boolean batching) {

    public EngineSettings {
        Objects.requireNonNull(admissionWait, "admissionWait");
        Objects.requireNonNull(idleEvictAfter, "idleEvictAfter");
        Objects.requireNonNull(scheduler, "scheduler");
        if (kvBudgetBytes <= 0 || blockTokens < 1 || prefixCacheBytes < 0 || offloadInFlightBytes < 0
                || admissionWait.isNegative() || idleEvictAfter.isNegative() || idleEvictAfter.isZero()) {
            throw new IllegalArgumentException("invalid engine settings: " + kvBudgetBytes + " budget bytes, "
                    + blockTokens + " block tokens, " + prefixCacheBytes + " prefix cache bytes, "
                    + offloadInFlightBytes + " offload bytes, admission wait " + admissionWait + ", idle eviction after "
                    + idleEvictAfter);
        }
    }

    public static EngineSettings defaults() {
        return new EngineSettings(1L << 30, Duration.ofSeconds(5), Duration.ofSeconds(30), 16, 128L << 20,
                64L << 20, SchedulerSettings.defaults(), true);
    }

    public EngineSettings withKvBudgetBytes(long bytes) {
        return new EngineSettings(bytes, admissionWait, idleEvictAfter, blockTokens, prefixCacheBytes,
                offloadInFlightBytes, scheduler, batching);
    }

    public EngineSettings withAdmissionWait(Duration wait) {
        return new EngineSettings(kvBudgetBytes, wait, idleEvictAfter, blockTokens, prefixCacheBytes,
                offloadInFlightBytes, scheduler, batching);
    }

    public EngineSettings withIdleEvictAfter(Duration idle) {
        return new EngineSettings(kvBudgetBytes, admissionWait, idle, blockTokens, prefixCacheBytes,
                offloadInFlightBytes, scheduler, batching);
    }

    public EngineSettings withBlockTokens(int tokens) {
        return new EngineSettings(kvBudgetBytes, admissionWait, idleEvictAfter, tokens, prefixCacheBytes,
                offloadInFlightBytes, scheduler, batching);
    }

    public EngineSettings withPrefixCacheBytes(long bytes) {
        return new EngineSettings(kvBudgetBytes, admissionWait, idleEvictAfter, blockTokens, bytes,
                offloadInFlightBytes, scheduler, batching);
    }

    public EngineSettings withScheduler(SchedulerSettings settings) {
        return new EngineSettings(kvBudgetBytes, admissionWait, idleEvictAfter, blockTokens, prefixCacheBytes,
                offloadInFlightBytes, settings, batching);
    }

    public EngineSettings withBatching(boolean enabled) {
        return new EngineSettings(kvBudgetBytes, admissionWait, idleEvictAfter, blockTokens, prefixCacheBytes,
                offloadInFlightBytes, scheduler, enabled);
    }
}
