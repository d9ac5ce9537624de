package dev.specula.router.http;

import dev.specula.router.metrics.RouterMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /metrics} on the inference port (CONVENTIONS.md 2.5 #1), Prometheus text format 0.0.4: the
 * vLLM-named serving series ({@code vllm:*}, {@code sglang:spec_accept_length}), then the router's Micrometer
 * meters ({@code specula_router_*}, JVM, gRPC). No API key needed, as with vLLM's {@code /metrics}.
 */
@RestController
public class MetricsController {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final RouterMetrics metrics;
    private final ObjectProvider<PrometheusMeterRegistry> micrometer;

    public MetricsController(RouterMetrics metrics, ObjectProvider<PrometheusMeterRegistry> micrometer) {
        this.metrics = metrics;
        this.micrometer = micrometer;
    }

    @GetMapping("/metrics")
    public void metrics(HttpServletResponse response) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        metrics.vllm().write(out);
        PrometheusMeterRegistry registry = micrometer.getIfAvailable();
        if (registry != null) {
            out.write(registry.scrape().getBytes(StandardCharsets.UTF_8));
        }
        response.setStatus(200);
        response.setContentType(CONTENT_TYPE);
        response.setContentLength(out.size());
        out.writeTo(response.getOutputStream());
    }
}
