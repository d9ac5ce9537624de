package dev.specula.runtime.engine;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Keeps a failing store from costing every request its timeout (RELIABILITY.md #11): after {@code threshold}
 * consecutive failures the breaker opens and calls are skipped for {@code openFor}; then one probe call is let
 * through (half-open), whose success closes it and whose failure reopens it. Thread-safe.
 */
final class CircuitBreaker {
    private final int threshold;
    private final long openNanos;
    private final LongSupplier clock;
    private int failures;
    private long openUntil;
    private boolean probing;

    CircuitBreaker(int threshold, Duration openFor, LongSupplier nanoClock) {
        this.threshold = threshold;
        this.openNanos = openFor.toNanos();
        this.clock = nanoClock;
    }

    /** Whether a call may go ahead now; in half-open state only one caller gets true until it reports. */
    synchronized boolean allow() {
        if (failures < threshold) {
            return true;
        }
        if (clock.getAsLong() - openUntil < 0 || probing) {
            return false;
        }
        probing = true;
        return true;
    }

    synchronized void success() {
        failures = 0;
        probing = false;
    }

    synchronized void failure() {
        failures++;
        probing = false;
        if (failures >= threshold) {
            openUntil = clock.getAsLong() + openNanos;
        }
    }

    synchronized boolean isOpen() {
        return failures >= threshold;
    }
}
