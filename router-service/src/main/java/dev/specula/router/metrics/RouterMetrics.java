package dev.specula.router.metrics;

import dev.specula.router.plan.Completion;
import dev.specula.router.plan.RequestMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;

/** Front-door metrics: requests by mode and finish reason, fallbacks, failovers, tokens, end-to-end latency. */
public final class RouterMetrics {
    private final MeterRegistry registry;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Timer e2e;
    private final VllmMetrics vllm;

    public RouterMetrics(MeterRegistry registry) {
        this(registry, new VllmMetrics("unknown"));
    }

    /** @param vllm the vLLM-named serving series exposed at {@code /metrics} */
    public RouterMetrics(MeterRegistry registry, VllmMetrics vllm) {
        this.registry = registry;
        this.vllm = vllm;
        promptTokens = Counter.builder("specula_router_prompt_tokens").register(registry);
        generationTokens = Counter.builder("specula_router_generation_tokens").register(registry);
        e2e = Timer.builder("specula_router_e2e_request_latency_seconds").publishPercentileHistogram()
                .register(registry);
    }

    public VllmMetrics vllm() {
        return vllm;
    }

    public void recordCompletion(RequestMode requested, Completion completion) {
        Counter.builder("specula_router_requests")
                .tag("mode", label(completion.mode()))
                .tag("finish_reason", completion.finishReason().name().toLowerCase(Locale.ROOT))
                .register(registry).increment();
        if (completion.mode() != requested) {
            Counter.builder("specula_router_fallbacks").tag("requested", label(requested))
                    .tag("ran", label(completion.mode())).register(registry).increment();
        }
        promptTokens.increment(completion.promptTokens());
        generationTokens.increment(completion.completionTokens());
        e2e.record(Duration.ofNanos((long) (completion.elapsedSeconds() * 1e9)));
    }

    public void recordFailure(RequestMode requested, String code) {
        Counter.builder("specula_router_failures").tag("mode", label(requested)).tag("code", code)
                .register(registry).increment();
    }

    /**
     * A request resumed after losing a backend.
     *
     * @param failed       the role of the replica that failed ("drafter", "verifier")
     * @param midStream    whether tokens had already been streamed (otherwise it failed before the first token)
     */
    public void recordFailover(String failed, boolean midStream) {
        Counter.builder("specula_router_failovers").tag("failed", failed)
                .tag("stage", midStream ? "mid-stream" : "before-first-token").register(registry).increment();
    }

    private static String label(RequestMode mode) {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
