package dev.specula.client.verify;

import java.time.Duration;

/**
 * How a session retries after its link dropped: up to {@code attempts} reopenings in a row, waiting
 * {@code initialBackoff} before the first and doubling up to {@code maxBackoff}. A success resets the count.
 */
public record Reconnect(int attempts, Duration initialBackoff, Duration maxBackoff) {
    public static final Reconnect NEVER = new Reconnect(0, Duration.ZERO, Duration.ZERO);
    public static final Reconnect DEFAULT = new Reconnect(8, Duration.ofMillis(50), Duration.ofSeconds(2));

    public Reconnect {
        if (attempts < 0 || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("attempts >= 0 and 0 <= initialBackoff <= maxBackoff");
        }
    }

    /** The wait before reconnection attempt {@code attempt} (1-based). */
    Duration backoff(int attempt) {
        long millis = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
