package dev.specula.kvstore.fence;

import dev.specula.kvstore.block.Tenant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The highest epoch seen per (tenant, generation id), and the fencing rule: a write whose epoch is lower than that is
 * refused, an equal or higher one is admitted (and raises the mark). A replica that was paused while the router moved
 * its generation elsewhere thus cannot write once it wakes up, however late. Content addressing already keeps such a
 * write from storing wrong bytes; the fence keeps a superseded owner from writing at all.
 *
 * <p>Memory is bounded: at most {@code maxGenerations} entries (least recently written dropped first) and each
 * forgotten {@code ttl} after its last write. A generation that was forgotten admits any epoch again, so the bounds
 * must outlast the time a stale replica may stay paused; failovers happen within a request's lifetime (minutes).
 * Reads are never fenced.
 */
public final class WriterEpochs {
    private final int maxGenerations;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<Key, Mark> marks;
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /** @param clock monotonic nanoseconds ({@link System#nanoTime()} in production) */
    public WriterEpochs(int maxGenerations, Duration ttl, LongSupplier clock) {
        if (maxGenerations < 1) {
            throw new IllegalArgumentException("maxGenerations must be positive, got " + maxGenerations);
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        this.maxGenerations = maxGenerations;
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
        this.marks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Mark> eldest) {
                return size() > WriterEpochs.this.maxGenerations;
            }
        };
    }

    /**
     * Whether a write of {@code generationId} at {@code epoch} may proceed; counts the outcome.
     *
     * @param generationId empty = an unfenced write, always admitted and not counted
     */
    public synchronized boolean admit(Tenant tenant, String generationId, long epoch) {
        if (generationId.isEmpty()) {
            return true;
        }
        long now = clock.getAsLong();
        Key key = new Key(tenant, generationId);
        Mark mark = marks.get(key);
        if (mark != null && now - mark.writtenNanos() < ttlNanos && epoch < mark.epoch()) {
            rejected.incrementAndGet();
            return false;
        }
        long highest = mark != null && now - mark.writtenNanos() < ttlNanos ? Math.max(mark.epoch(), epoch) : epoch;
        marks.put(key, new Mark(highest, now));
        admitted.incrementAndGet();
        return true;
    }

    /** The newest epoch remembered for the generation; -1 when none (never written, or forgotten). */
    public synchronized long highest(Tenant tenant, String generationId) {
        Mark mark = marks.get(new Key(tenant, generationId));
        return mark == null || clock.getAsLong() - mark.writtenNanos() >= ttlNanos ? -1 : mark.epoch();
    }

    /** Generations remembered (expired entries included until they are evicted or touched). */
    public synchronized int size() {
        return marks.size();
    }

    /** Fenced writes admitted. */
    public long admitted() {
        return admitted.get();
    }

    /** Fenced writes refused as stale. */
    public long rejected() {
        return rejected.get();
    }

    private record Key(Tenant tenant, String generationId) {
    }

    private record Mark(long epoch, long writtenNanos) {
    }
}
