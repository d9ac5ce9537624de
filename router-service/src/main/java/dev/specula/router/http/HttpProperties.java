package dev.specula.router.http;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The OpenAI-compatible HTTP API on {@code server.port} ({@code specula.router.http.*}).
 *
 * @param keepAliveInterval     a streamed response gets a {@code : keep-alive} comment line after this much silence
 *                              (long queueing or prefill); the HTTP status is held back this long waiting for the
 *                              first token, so early failures still get their real status (default 5s)
 * @param maxConcurrentRequests generations running at once on the HTTP pool (default 256)
 * @param maxQueuedRequests     generations waiting for the pool; beyond it → 503 + Retry-After (default 256)
 * @param streamGranularity     {@code token}: one SSE event per token, so event sizes do not reveal how many drafted
 *                              tokens each round accepted (RELIABILITY.md #16); {@code round}: one event per
 *                              verification round (fewer, larger events) (default token)
 * @param speculationStats      add the {@code specula} extension object (mode, acceptance rate, mean accepted
 *                              length, fallback reason) to responses (default true)
 * @param chatTemplate          a Jinja chat template file overriding the model's (vLLM's --chat-template)
 * @param maxBodySize           largest request body; larger → 413 (default 2MB)
 */
@ConfigurationProperties(prefix = "specula.router.http", ignoreUnknownFields = false)
public record HttpProperties(Duration keepAliveInterval, Integer maxConcurrentRequests, Integer maxQueuedRequests,
                             Granularity streamGranularity, Boolean speculationStats, Path chatTemplate,
                             DataSize maxBodySize) {

    public enum Granularity { TOKEN, ROUND }

    public HttpProperties {
        keepAliveInterval = keepAliveInterval == null ? Duration.ofSeconds(5) : keepAliveInterval;
        maxConcurrentRequests = maxConcurrentRequests == null ? 256 : maxConcurrentRequests;
        maxQueuedRequests = maxQueuedRequests == null ? 256 : maxQueuedRequests;
        streamGranularity = streamGranularity == null ? Granularity.TOKEN : streamGranularity;
        speculationStats = speculationStats == null || speculationStats;
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(2) : maxBodySize;
        if (keepAliveInterval.isNegative() || keepAliveInterval.isZero()) {
            throw new IllegalArgumentException("specula.router.http.keep-alive-interval must be positive");
        }
        if (maxConcurrentRequests < 1 || maxQueuedRequests < 0) {
            throw new IllegalArgumentException("specula.router.http: max-concurrent-requests >= 1, max-queued-requests"
                    + " >= 0 needed");
        }
        if (maxBodySize.toBytes() < 1024) {
            throw new IllegalArgumentException("specula.router.http.max-body-size must be at least 1KB");
        }
    }

    /** All defaults. */
    public static HttpProperties defaults() {
        return new HttpProperties(null, null, null, null, null, null, null);
    }
}
