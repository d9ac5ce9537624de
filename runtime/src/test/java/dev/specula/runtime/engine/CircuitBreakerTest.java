package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The verifier's store breaker (RELIABILITY.md #11) on a clock the test moves: closed until the threshold of
 * consecutive failures, open (every call skipped) for its whole open time, then exactly one half-open probe whose
 * outcome closes or reopens it.
 */
class CircuitBreakerTest {
    private static final Duration OPEN_FOR = Duration.ofSeconds(5);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final CircuitBreaker breaker = new CircuitBreaker(3, OPEN_FOR, now::get);

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    /** Threshold failures in a row, each after an allowed call. */
    private void trip() {
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.allow(), "closed: call " + i + " goes ahead");
            breaker.failure();
        }
    }

    @Test
    void failuresBelowTheThresholdOrBrokenBySuccessKeepItClosed() {
        breaker.failure();
        breaker.failure();
        assertFalse(breaker.isOpen());
        breaker.success();
        breaker.failure();
        breaker.failure();
        assertFalse(breaker.isOpen(), "a success resets the count of consecutive failures");
        assertTrue(breaker.allow());
    }

    @Test
    void theThresholdOpensItForTheWholeOpenTime() {
        trip();

        assertTrue(breaker.isOpen());
        assertFalse(breaker.allow(), "open: calls are skipped");
        advance(OPEN_FOR.minusNanos(1));
        assertFalse(breaker.allow(), "still open one nanosecond before the open time ends");
    }

    @Test
    void afterTheOpenTimeOneProbeGoesAndItsSuccessClosesTheBreaker() {
        trip();
        advance(OPEN_FOR);

        assertTrue(breaker.allow(), "half-open: the probe goes ahead");
        assertFalse(breaker.allow(), "only one probe at a time");
        assertFalse(breaker.allow());
        breaker.success();

        assertFalse(breaker.isOpen());
        for (int i = 0; i < 5; i++) {
            assertTrue(breaker.allow(), "closed again: every call goes ahead");
        }
    }

    @Test
    void aFailedProbeReopensItForAnotherFullOpenTime() {
        trip();
        advance(OPEN_FOR);
        assertTrue(breaker.allow());

        breaker.failure();

        assertTrue(breaker.isOpen());
        assertFalse(breaker.allow(), "reopened right after the failed probe");
        advance(OPEN_FOR.minusNanos(1));
        assertFalse(breaker.allow(), "the open time restarts at the failed probe");
        advance(Duration.ofNanos(1));
        assertTrue(breaker.allow(), "next probe after another full open time");
        assertFalse(breaker.allow());
        breaker.success();
        assertTrue(breaker.allow());
    }
}
