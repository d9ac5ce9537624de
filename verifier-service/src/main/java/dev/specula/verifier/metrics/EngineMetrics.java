package dev.specula.verifier.metrics;

import dev.specula.runtime.engine.EngineCounters;
import dev.specula.runtime.engine.ServingEngine;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.kvstore.GrpcBlockStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;

/**
 * The engine's KV and queue state as meters: {@code specula_verifier_*}, plus the vLLM names dashboards and
 * autoscalers already know ({@code vllm:num_requests_running}, {@code vllm:num_requests_waiting},
 * {@code vllm:kv_cache_usage_perc}, tagged with model_name; GIE/llm-d read these).
 */
public final class EngineMetrics {

    private EngineMetrics() {
    }

    public static void register(MeterRegistry registry, VerifierEngine engine) {
        ServingEngine serving = engine.serving();
        EngineCounters counters = serving.counters();
        Tags model = Tags.of("model_name", engine.modelName());

        gauge(registry, "specula_verifier_open_sessions", "sessions admitted (evicted ones included)", engine,
                VerifierEngine::openSessions, Tags.empty());
        gauge(registry, "specula_verifier_running_sessions", "sessions holding KV memory", serving,
                ServingEngine::runningSessions, Tags.empty());
        gauge(registry, "specula_verifier_admission_waiting", "sessions waiting for KV memory", serving,
                s -> s.budget().waiting(), Tags.empty());
        gauge(registry, "specula_verifier_scheduler_queue_depth", "forward requests waiting for a batch", serving,
                ServingEngine::schedulerQueueDepth, Tags.empty());
        gauge(registry, "specula_verifier_kv_bytes_in_use", "direct memory held by live KV caches", serving,
                ServingEngine::kvBytesInUse, Tags.empty());
        gauge(registry, "specula_verifier_kv_bytes_reserved", "KV bytes reserved by admitted sessions", serving,
                s -> s.budget().reservedBytes(), Tags.empty());
        gauge(registry, "specula_verifier_kv_budget_bytes", "specula.verifier.kv-budget-bytes", serving,
                s -> s.budget().budgetBytes(), Tags.empty());
        gauge(registry, "specula_verifier_prefix_cache_bytes", "bytes of blocks in the prefix cache", serving,
                s -> s.prefixCache().bytes(), Tags.empty());
        gauge(registry, "specula_verifier_batch_staging_bytes",
                "direct memory the batched forwards keep for reuse (largest batch's padded KV)", serving,
                ServingEngine::batchStagingBytes, Tags.empty());

        counter(registry, "specula_verifier_prefix_cache_query_tokens", "prompt tokens in full blocks looked up",
                counters, EngineCounters::prefixQueryTokens, Tags.empty());
        counter(registry, "specula_verifier_prefix_cache_hit_tokens", "tokens imported from the prefix cache",
                counters, EngineCounters::prefixHitTokens, Tags.empty());
        counter(registry, "specula_verifier_restored_tokens", "tokens restored from the KV store", counters,
                EngineCounters::restoredTokens, Tags.empty());
        counter(registry, "specula_verifier_offload_bytes", "bytes of KV blocks the store accepted", counters,
                EngineCounters::offloadBytes, Tags.empty());
        counter(registry, "specula_verifier_offload_blocks", "KV blocks the store accepted", counters,
                EngineCounters::offloadBlocks, Tags.empty());
        counter(registry, "specula_verifier_offload_dropped_blocks", "blocks not offloaded (store slow or down)",
                counters, EngineCounters::offloadDroppedBlocks, Tags.empty());
        counter(registry, "specula_verifier_offload_fenced_blocks",
                "blocks of offloads the store refused: their generation moved to a newer epoch (another replica)",
                counters, EngineCounters::offloadFencedBlocks, Tags.empty());
        counter(registry, "specula_verifier_kvstore_fallbacks", "store calls failed or skipped: recomputed instead",
                counters, EngineCounters::storeFallbacks, Tags.empty());
        counter(registry, "specula_verifier_rejected_blocks", "cached blocks refused by their layout check",
                counters, EngineCounters::rejectedBlocks, Tags.empty());
        counter(registry, "specula_verifier_evictions", "idle sessions whose KV was offloaded and freed",
                counters, EngineCounters::evictions, Tags.empty());
        counter(registry, "specula_verifier_admission_rejections", "sessions refused for lack of KV memory",
                counters, EngineCounters::admissionRejections, Tags.empty());
        if (engine.store() instanceof GrpcBlockStore grpc) {
            counter(registry, "specula_verifier_kvstore_corrupt_blocks",
                    "fetched blocks refused (key, codec, size or CRC32C mismatch)", grpc,
                    GrpcBlockStore::rejectedBlocks, Tags.empty());
        }

        gauge(registry, "vllm:num_requests_running", "requests holding KV (vLLM semantics)", serving,
                ServingEngine::runningSessions, model);
        gauge(registry, "vllm:num_requests_waiting", "requests waiting for KV (vLLM semantics)", serving,
                s -> s.budget().waiting(), model);
        gauge(registry, "vllm:kv_cache_usage_perc", "fraction of the KV budget reserved, 0..1", serving,
                s -> (double) s.budget().reservedBytes() / s.budget().budgetBytes(), model);
        counter(registry, "vllm:prefix_cache_queries", "prompt tokens looked up in the prefix cache", counters,
                EngineCounters::prefixQueryTokens, model);
        counter(registry, "vllm:prefix_cache_hits", "prompt tokens served from a KV cache", counters,
                c -> c.prefixHitTokens() + c.restoredTokens(), model);
        counter(registry, "vllm:num_preemptions", "sessions whose KV was evicted", counters,
                EngineCounters::evictions, model);
    }

    private static <T> void gauge(MeterRegistry registry, String name, String description, T target,
                                  ToDoubleFunction<T> value, Tags tags) {
        Gauge.builder(name, target, value).description(description).tags(tags).register(registry);
    }

    private static <T> void counter(MeterRegistry registry, String name, String description, T target,
                                    ToDoubleFunction<T> value, Tags tags) {
        FunctionCounter.builder(name, target, value).description(description).tags(tags).register(registry);
    }
}
