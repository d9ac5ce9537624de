package dev.specula.router.auth;

import dev.specula.service.error.OverloadedException;

/**
 * The caller's key is over its rate or concurrency limit. HTTP 429 with {@code Retry-After}, gRPC
 * RESOURCE_EXHAUSTED (through {@link OverloadedException}).
 *
 * @see #retryAfterSeconds()
 */
public class QuotaExceededException extends OverloadedException {
    private final long retryAfterSeconds;

    public QuotaExceededException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** Whole seconds after which a retry can succeed (at least 1). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
