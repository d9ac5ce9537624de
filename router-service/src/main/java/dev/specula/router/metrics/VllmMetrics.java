package dev.specula.router.metrics;

import dev.specula.core.loop.FinishReason;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationStats;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The front door's serving metrics under vLLM's names, buckets and semantics (CONVENTIONS.md 2.5), so the Gateway
 * API Inference Extension's endpoint picker and vLLM/SGLang dashboards read Specula unchanged. Written with the
 * Prometheus client directly: Micrometer would rewrite the colons and suffixes. Every series carries vLLM's label
 * set {@code model_name} (the served model name) and {@code engine}.
 *
 * <ul>
 *   <li>{@code vllm:num_requests_waiting}: admitted by the HTTP API, waiting for a generation thread;
 *       {@code vllm:num_requests_running}: generating on the mesh (both front doors).</li>
 *   <li>TTFT from arrival at the front door to the first generated token; ITL between successive token batches of
 *       one request (one per verification round, as vLLM observes one per engine step); TPOT =
 *       (last token - first token) / (tokens - 1) per request; E2E from arrival to completion. Monotonic clock.</li>
 *   <li>{@code vllm:request_success_total{finished_reason=stop|length|abort}}: requests that completed (abort = the
 *       client went away); failed requests are not successes.</li>
 *   <li>Speculative decoding counters with vLLM's semantics; {@code sglang:spec_accept_length} is the SGLang-style
 *       gauge 1 + accepted / drafts over the last {@value #ACCEPT_WINDOW} speculative requests.</li>
 * </ul>
 * One registry per router (several services can share a JVM), never the global default registry.
 */
public final class VllmMetrics {
    static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
            5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    static final double[] TOKEN_LATENCY_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75,
            1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    static final double[] REQUEST_LATENCY_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
            40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
    static final int ACCEPT_WINDOW = 64;
    private static final String ENGINE = "0";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String model;
    private final Gauge waiting;
    private final Gauge running;
    final Histogram ttft;
    final Histogram itl;
    final Histogram tpot;
    final Histogram e2e;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Counter success;
    private final Counter drafts;
    private final Counter draftTokens;
    private final Counter acceptedTokens;
    private final Counter acceptedPerPosition;
    private final Gauge acceptLength;
    private final long[] windowDrafts = new long[ACCEPT_WINDOW];
    private final long[] windowAccepted = new long[ACCEPT_WINDOW];
    private int windowNext;

    public VllmMetrics(String servedModelName) {
        this.model = servedModelName;
        waiting = Gauge.builder().name("vllm:num_requests_waiting")
                .help("Number of requests waiting to be processed.").labelNames("model_name", "engine")
                .register(registry);
        running = Gauge.builder().name("vllm:num_requests_running")
                .help("Number of requests in model execution batches.").labelNames("model_name", "engine")
                .register(registry);
        ttft = histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
                TTFT_BUCKETS);
        itl = histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
                TOKEN_LATENCY_BUCKETS);
        tpot = histogram("vllm:request_time_per_output_token_seconds",
                "Histogram of time_per_output_token_seconds per request.", TOKEN_LATENCY_BUCKETS);
        e2e = histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
                REQUEST_LATENCY_BUCKETS);
        promptTokens = counter("vllm:prompt_tokens", "Number of prefill tokens processed.");
        generationTokens = counter("vllm:generation_tokens", "Number of generation tokens processed.");
        success = Counter.builder().name("vllm:request_success").help("Count of successfully processed requests.")
                .labelNames("model_name", "engine", "finished_reason").register(registry);
        drafts = counter("vllm:spec_decode_num_drafts", "Number of spec decoding drafts.");
        draftTokens = counter("vllm:spec_decode_num_draft_tokens", "Number of draft tokens.");
        acceptedTokens = counter("vllm:spec_decode_num_accepted_tokens", "Number of accepted tokens.");
        acceptedPerPosition = Counter.builder().name("vllm:spec_decode_num_accepted_tokens_per_pos")
                .help("Accepted tokens per draft position.").labelNames("model_name", "engine", "position")
                .register(registry);
        acceptLength = Gauge.builder().name("sglang:spec_accept_length")
                .help("Mean accepted length of speculative decoding: 1 + accepted / drafts, recent requests.")
                .labelNames("model_name", "engine").register(registry);
        // Zero-valued series exist from the start, so dashboards and the endpoint picker see them before traffic.
        waiting.labelValues(model, ENGINE).set(0);
        running.labelValues(model, ENGINE).set(0);
        promptTokens.labelValues(model, ENGINE);
        generationTokens.labelValues(model, ENGINE);
        for (String reason : new String[] {"stop", "length", "abort"}) {
            success.labelValues(model, ENGINE, reason);
        }
        drafts.labelValues(model, ENGINE);
        draftTokens.labelValues(model, ENGINE);
        acceptedTokens.labelValues(model, ENGINE);
        acceptLength.labelValues(model, ENGINE).set(0);
        for (Histogram h : new Histogram[] {ttft, itl, tpot, e2e}) {
            h.labelValues(model, ENGINE);
        }
    }

    private Histogram histogram(String name, String help, double[] buckets) {
        return Histogram.builder().name(name).help(help).classicOnly().classicUpperBounds(buckets)
                .labelNames("model_name", "engine").register(registry);
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).labelNames("model_name", "engine").register(registry);
    }

    /** A request starts generating (arrived at {@code arrivalNanos}, 0 = now). */
    public RequestObservation start(long arrivalNanos) {
        running.labelValues(model, ENGINE).inc();
        return new RequestObservation(this, arrivalNanos == 0 ? System.nanoTime() : arrivalNanos);
    }

    public void queued() {
        waiting.labelValues(model, ENGINE).inc();
    }

    public void dequeued() {
        waiting.labelValues(model, ENGINE).dec();
    }

    void finished() {
        running.labelValues(model, ENGINE).dec();
    }

    void observe(Histogram histogram, double seconds) {
        histogram.labelValues(model, ENGINE).observe(seconds);
    }

    void completed(Completion completion, double e2eSeconds) {
        e2e.labelValues(model, ENGINE).observe(e2eSeconds);
        promptTokens.labelValues(model, ENGINE).inc(completion.promptTokens());
        generationTokens.labelValues(model, ENGINE).inc(completion.completionTokens());
        success.labelValues(model, ENGINE, reason(completion.finishReason())).inc();
        GenerationStats stats = completion.stats();
        if (stats == null || stats.drafts() == 0) {
            return;
        }
        drafts.labelValues(model, ENGINE).inc(stats.drafts());
        draftTokens.labelValues(model, ENGINE).inc(stats.draftTokens());
        acceptedTokens.labelValues(model, ENGINE).inc(stats.acceptedTokens());
        long[] perPosition = stats.acceptedPerPosition();
        for (int i = 0; i < perPosition.length; i++) {
            acceptedPerPosition.labelValues(model, ENGINE, Integer.toString(i)).inc(perPosition[i]);
        }
        synchronized (windowDrafts) {
            windowDrafts[windowNext] = stats.drafts();
            windowAccepted[windowNext] = stats.acceptedTokens();
            windowNext = (windowNext + 1) % ACCEPT_WINDOW;
            long d = 0;
            long a = 0;
            for (int i = 0; i < ACCEPT_WINDOW; i++) {
                d += windowDrafts[i];
                a += windowAccepted[i];
            }
            acceptLength.labelValues(model, ENGINE).set(d == 0 ? 0 : 1.0 + (double) a / d);
        }
    }

    private static String reason(FinishReason reason) {
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "abort";
        };
    }

    /** Prometheus text format (0.0.4) of these series. */
    public void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}
