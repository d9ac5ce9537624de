package dev.specula.router.auth;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.ratelimiter.RateLimiter;

/**
 * Who is calling: the tenant of the API key, and that key's limits (null = unlimited).
 *
 * @param keyId short, non-secret name of the key for logs and limiter names ({@code key-<first 8 hex of its hash>})
 */
public record Caller(String tenant, String keyId, RateLimiter rateLimiter, Bulkhead bulkhead) {

    /** Auth off: everyone is the default tenant, without per-key limits. */
    public static final Caller ANONYMOUS = new Caller("default", "anonymous", null, null);
}
