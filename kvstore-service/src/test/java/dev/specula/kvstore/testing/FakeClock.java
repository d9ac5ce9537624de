package dev.specula.kvstore.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Time that moves only when a test says so: retry and circuit-breaker waits are tested without sleeping. */
public final class FakeClock extends Clock implements LongSupplier {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    public void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    /** As {@code System::nanoTime}. */
    @Override
    public long getAsLong() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochSecond(0, nanos.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
