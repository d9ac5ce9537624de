package dev.specula.router.auth;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Authenticates callers by API key and admits their requests under the key's limits. The one admission point of
 * both front doors (HTTP filter in the controller, gRPC interceptor).
 *
 * <p>Keys are looked up by their SHA-256, so the configuration never holds a usable key and a lookup's timing
 * says nothing about a key. Limits are per key: a Resilience4j {@link RateLimiter} that never waits (over the rate →
 * refused at once, with the time until the next permit as Retry-After) and a semaphore {@link Bulkhead} that never
 * waits (over the concurrency limit → refused).
 */
public final class ApiKeys {
    private static final String BEARER = "bearer ";
    private final boolean enabled;
    private final Map<String, Caller> byHash = new HashMap<>();
    private final RateLimiterRegistry rateLimiters = RateLimiterRegistry.ofDefaults();
    private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();

    public ApiKeys(AuthProperties properties) {
        this.enabled = properties.enabled();
        for (AuthProperties.ApiKey key : properties.keys()) {
            String id = "key-" + key.sha256().substring(0, 8);
            RateLimiter limiter = null;
            if (key.requestsPerSecond() != null && key.requestsPerSecond() > 0) {
                double rps = key.requestsPerSecond();
                // >= 1/s: that many permits per second; below: one permit per 1/rps seconds.
                int permits = rps >= 1 ? (int) Math.round(rps) : 1;
                Duration period = rps >= 1 ? Duration.ofSeconds(1) : Duration.ofMillis(Math.round(1000 / rps));
                limiter = rateLimiters.rateLimiter(id, RateLimiterConfig.custom().limitForPeriod(permits)
                        .limitRefreshPeriod(period).timeoutDuration(Duration.ZERO).build());
            }
            Bulkhead bulkhead = null;
            if (key.maxConcurrent() != null && key.maxConcurrent() > 0) {
                bulkhead = bulkheads.bulkhead(id, BulkheadConfig.custom().maxConcurrentCalls(key.maxConcurrent())
                        .maxWaitDuration(Duration.ZERO).build());
            }
            if (byHash.putIfAbsent(key.sha256(), new Caller(key.tenant(), id, limiter, bulkhead)) != null) {
                throw new IllegalArgumentException("specula.router.auth.keys: " + id + " is configured twice");
            }
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The caller presenting {@code authorization} ({@code Bearer <key>}, scheme case-insensitive).
     *
     * @throws UnauthenticatedException when auth is on and the key is missing or unknown
     */
    public Caller authenticate(String authorization) {
        if (!enabled) {
            return Caller.ANONYMOUS;
        }
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new UnauthenticatedException("missing API key: send Authorization: Bearer <key>");
        }
        Caller caller = byHash.get(sha256Hex(authorization.substring(BEARER.length()).trim()));
        if (caller == null) {
            throw new UnauthenticatedException("invalid API key");
        }
        return caller;
    }

    /**
     * Takes one request permit and one concurrency slot of the caller's key.
     *
     * @return the slot, to close when the request ends (exactly once)
     * @throws QuotaExceededException over the rate or the concurrency limit (nothing is held then)
     */
    public Permit admit(Caller caller) {
        RateLimiter limiter = caller.rateLimiter();
        if (limiter != null && !limiter.acquirePermission()) {
            long nanos = limiter instanceof io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter atomic
                    ? atomic.getDetailedMetrics().getNanosToWait()
                    : limiter.getRateLimiterConfig().getLimitRefreshPeriod().toNanos();
            throw new QuotaExceededException("rate limit of API key " + caller.keyId() + " exceeded",
                    (long) Math.ceil(Math.max(nanos, 1) / 1e9));
        }
        Bulkhead bulkhead = caller.bulkhead();
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            throw new QuotaExceededException("API key " + caller.keyId() + " has "
                    + bulkhead.getBulkheadConfig().getMaxConcurrentCalls() + " requests in flight already", 1);
        }
        return new Permit(bulkhead);
    }

    public static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A held concurrency slot; closing it more than once is harmless. */
    public static final class Permit implements AutoCloseable {
        private final Bulkhead bulkhead;
        private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

        Permit(Bulkhead bulkhead) {
            this.bulkhead = bulkhead;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false) && bulkhead != null) {
                bulkhead.onComplete();
            }
        }
    }
}
