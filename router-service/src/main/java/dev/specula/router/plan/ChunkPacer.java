package dev.specula.router.plan;

import java.util.concurrent.TimeUnit;

/**
 * Releases streamed chunks on a fixed clock grid, at most one per tick ({@code side-channel.cadence-interval}), so
 * that when chunks become ready does not follow the verification rounds either. Ticks fall every {@code interval}
 * from the generation's start; a chunk goes out at the first free tick at or after it is ready. While the backend
 * outpaces the grid (cadence tokens per interval), chunks leave at exactly one per tick and their timing carries
 * nothing about acceptance; the price is that output is capped at that rate. Not thread-safe: one per generation.
 */
final class ChunkPacer {

    /** Time as the pacer sees it; a test drives it by hand. */
    interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepUntil(long nanos) throws InterruptedException {
                long wait = nanos - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        };

        long nanoTime();

        void sleepUntil(long nanos) throws InterruptedException;
    }

    private final long interval;
    private final Clock clock;
    private final long start;
    /** The earliest tick the next chunk may take (one chunk per tick). */
    private long nextFree;

    ChunkPacer(long intervalNanos, Clock clock) {
        if (intervalNanos < 1) {
            throw new IllegalArgumentException("cadence interval must be positive, got " + intervalNanos + " ns");
        }
        this.interval = intervalNanos;
        this.clock = clock;
        this.start = clock.nanoTime();
        this.nextFree = start + intervalNanos;
    }

    /**
     * Waits until the tick this chunk is released on, and returns it. An interrupt ends the wait early (the thread
     * stays interrupted, and the sink finds out the client is gone).
     */
    long awaitTick() {
        long now = clock.nanoTime();
        long ticks = Math.max(0, (now - start + interval - 1) / interval);
        long tick = Math.max(nextFree, start + ticks * interval);
        nextFree = tick + interval;
        try {
            clock.sleepUntil(tick);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tick;
    }
}
