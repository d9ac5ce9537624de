package dev.specula.verifier.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Verifier configuration ({@code specula.verifier.*}), mapped 1:1 from Helm values.
 *
 * @param modelPath            folder of the target model (Optimum ONNX layout with config.json and tokenizer.json)
 * @param maxSessions          concurrent sessions admitted; more are refused with RESOURCE_EXHAUSTED at once
 * @param maxNewTokensCap      largest max_new_tokens a session may ask for
 * @param intraOpThreads       ONNX Runtime intra-op threads; 0 = available processors
 * @param kvBudgetBytes        KV memory of all sessions together. A session reserves its worst-case footprint,
 *                             (prompt + max_new_tokens) tokens of double-buffered cache (up to 6 × tokens ×
 *                             KV bytes per token, see KvFootprint), before any KV is allocated
 * @param admissionWait        a session that does not fit waits this long for memory, then RESOURCE_EXHAUSTED
 * @param idleEvictAfter       sessions without a round for this long are offloaded to the store and their KV
 *                             freed; restored or recomputed at their next round
 * @param blockTokens          tokens per KV block: prefix-cache and store granularity
 * @param prefixCacheBytes     heap for the verifier's own LRU of exported blocks; 0 disables prefix caching
 * @param offloadInFlightBytes exported blocks waiting for the store at once; beyond, offloads are dropped
 * @param batching             batch forwards of concurrent sessions into one model call (continuous batching)
 * @param maxBatchSessions     sessions per model call
 * @param maxBatchTokens       padded tokens per model call (sessions × widest feed)
 * @param prefillChunkTokens   long prefills run in chunks of this many tokens, interleaved with decode steps
 * @param kvstoreLookupTimeout deadline of a restore's first answer from the store (its first block, or the end of the
 *                             stream on a miss); a slower store is a miss
 * @param kvstoreGetTimeout    deadline of GetBlocks for one restore
 * @param kvstorePutTimeout    deadline of PutBlocks for one offload
 * @param streamStallTimeout   a Generate stream whose client reads nothing for this long is ended with
 *                             DEADLINE_EXCEEDED, freeing its session
 * @param cudaDevice           -1 (default) runs the model on the CPU; N runs it on CUDA device N, which needs
 *                             ONNX Runtime's GPU build on the classpath (see the README's configuration reference)
 * @param readinessTimeout     the "model" health (gRPC health of service {@code verifier}) is DOWN unless a
 *                             one-token verification completes within this
 * @param readinessCache       how long one such probe's answer is reused
 * @param sessionIdleTimeout   a session whose client sends nothing for this long is ended (DEADLINE_EXCEEDED) and
 *                             freed: a paused or partitioned drafter must not hold a session slot forever
 * @param batchStagingRetainBytes most direct memory the batched steps keep for reuse (the largest batch's padded
 *                             KV), outside the KV budget; a batch that needs more stages in buffers of its own
 */
@ConfigurationProperties(prefix = "specula.verifier", ignoreUnknownFields = false)
public record VerifierProperties(Path modelPath, int maxSessions, int maxNewTokensCap, int intraOpThreads,
                                 @DefaultValue("1GB") DataSize kvBudgetBytes,
                                 @DefaultValue("5s") Duration admissionWait,
                                 @DefaultValue("30s") Duration idleEvictAfter,
                                 @DefaultValue("16") int blockTokens,
                                 @DefaultValue("128MB") DataSize prefixCacheBytes,
                                 @DefaultValue("64MB") DataSize offloadInFlightBytes,
                                 @DefaultValue("true") boolean batching,
                                 @DefaultValue("32") int maxBatchSessions,
                                 @DefaultValue("512") int maxBatchTokens,
                                 @DefaultValue("256") int prefillChunkTokens,
                                 @DefaultValue("50ms") Duration kvstoreLookupTimeout,
                                 @DefaultValue("2s") Duration kvstoreGetTimeout,
                                 @DefaultValue("10s") Duration kvstorePutTimeout,
                                 @DefaultValue("30s") Duration streamStallTimeout,
                                 @DefaultValue("-1") int cudaDevice,
                                 @DefaultValue("2s") Duration readinessTimeout,
                                 @DefaultValue("3s") Duration readinessCache,
                                 @DefaultValue("120s") Duration sessionIdleTimeout,
                                 @DefaultValue("256MB") DataSize batchStagingRetainBytes) {

    public VerifierProperties {
        if (modelPath == null) {
            throw new IllegalArgumentException("specula.verifier.model-path must be set");
        }
        if (maxSessions <= 0 || maxNewTokensCap <= 0 || intraOpThreads < 0 || cudaDevice < -1) {
            throw new IllegalArgumentException("specula.verifier: max-sessions and max-new-tokens-cap must be > 0, "
                    + "intra-op-threads >= 0, cuda-device >= -1");
        }
        if (kvBudgetBytes.toBytes() <= 0 || blockTokens < 1 || prefixCacheBytes.toBytes() < 0
                || offloadInFlightBytes.toBytes() < 0 || batchStagingRetainBytes.toBytes() < 0) {
            throw new IllegalArgumentException("specula.verifier: kv-budget-bytes must be > 0, block-tokens >= 1, "
                    + "prefix-cache-bytes, offload-in-flight-bytes and batch-staging-retain-bytes >= 0");
        }
        if (maxBatchSessions < 1 || maxBatchTokens < 1 || prefillChunkTokens < 1) {
            throw new IllegalArgumentException("specula.verifier: max-batch-sessions, max-batch-tokens and "
                    + "prefill-chunk-tokens must be >= 1");
        }
        if (admissionWait.isNegative() || !positive(idleEvictAfter) || !positive(kvstoreLookupTimeout)
                || !positive(kvstoreGetTimeout) || !positive(kvstorePutTimeout) || !positive(streamStallTimeout)
                || !positive(readinessTimeout) || readinessCache.isNegative() || !positive(sessionIdleTimeout)) {
            throw new IllegalArgumentException("specula.verifier: admission-wait must be >= 0; idle-evict-after, "
                    + "the kvstore timeouts and stream-stall-timeout must be > 0");
        }
    }

    private static boolean positive(Duration duration) {
        return !duration.isNegative() && !duration.isZero();
    }
}
