package dev.specula.verifier.grpc;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * A session's lease: it expires when the client sends nothing for {@code timeout}, so that a paused, partitioned
 * or non-reading client cannot hold a verifier session (its admission slot and KV) forever. Every renewal starts
 * a new term; expiry hands its term number to the owner, which acts only if that term is still current (a message
 * may have arrived while the expiry waited for the owner's lock).
 */
final class IdleLease {
    private final ScheduledExecutorService timers;
    private final Duration timeout;
    private final LongConsumer onExpiry;
    private long term;
    private ScheduledFuture<?> pending;

    IdleLease(ScheduledExecutorService timers, Duration timeout, LongConsumer onExpiry) {
        this.timers = timers;
        this.timeout = timeout;
        this.onExpiry = onExpiry;
    }

    synchronized void renew() {
        cancelPending();
        long current = ++term;
        pending = timers.schedule(() -> expire(current), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void end() {
        cancelPending();
        term++;
    }

    synchronized boolean isCurrent(long candidate) {
        return candidate == term;
    }

    Duration timeout() {
        return timeout;
    }

    private void expire(long expiredTerm) {
        if (isCurrent(expiredTerm)) {
            onExpiry.accept(expiredTerm);
        }
    }

    private void cancelPending() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
