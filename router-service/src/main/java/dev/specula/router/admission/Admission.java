package dev.specula.router.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One bound on the generations the router runs, shared by its front doors: {@code maxInFlight} run, up to
 * {@code maxQueued} wait in arrival order for at most {@code queueTimeout}, and the rest are refused at once. Without
 * it only the per-key bulkheads limit gRPC, and with auth off nothing does.
 *
 * <p>Metrics: {@code specula_router_admission_in_flight}, {@code specula_router_admission_queued} (gauges) and
 * {@code specula_router_admission_refused_total{door,reason}}.
 */
public final class Admission {

    /** The front door a request came through (a metric tag). */
    public enum Door { GRPC, HTTP }

    /** Why a request was refused. */
    public enum Reason { QUEUE_FULL, QUEUE_TIMEOUT }

    private final int maxInFlight;
    private final int maxQueued;
    private final Duration queueTimeout;
    /** Fair: a slot freed goes to the longest waiter, never to a request arriving at that moment. */
    private final Semaphore slots;
    private final AtomicInteger queued = new AtomicInteger();
    private final Map<Door, Map<Reason, Counter>> refused = new EnumMap<>(Door.class);

    public Admission(AdmissionProperties properties, MeterRegistry registry) {
        this.maxInFlight = properties.maxInFlight();
        this.maxQueued = properties.maxQueued();
        this.queueTimeout = properties.queueTimeout();
        this.slots = new Semaphore(maxInFlight, true);
        Gauge.builder("specula_router_admission_in_flight", this, Admission::inFlight).register(registry);
        Gauge.builder("specula_router_admission_queued", this, Admission::queued).register(registry);
        for (Door door : Door.values()) {
            Map<Reason, Counter> byReason = new EnumMap<>(Reason.class);
            for (Reason reason : Reason.values()) {
                byReason.put(reason, Counter.builder("specula_router_admission_refused")
                        .tag("door", door.name().toLowerCase(Locale.ROOT))
                        .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                        .register(registry));
            }
            refused.put(door, byReason);
        }
    }

    /**
     * A slot for one generation, waiting in the queue when none is free; the caller closes the permit when the
     * generation ends, however it ends.
     *
     * @throws AdmissionRefusedException when the queue is full or the wait reaches the queue timeout
     */
    public Permit admit(Door door) {
        try {
            if (slots.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return new Permit();
            }
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                throw refuse(door, Reason.QUEUE_FULL, "the router is at capacity (" + maxInFlight
                        + " generations running, " + maxQueued + " queued), retry shortly");
            }
            try {
                if (slots.tryAcquire(queueTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    return new Permit();
                }
            } finally {
                queued.decrementAndGet();
            }
            throw refuse(door, Reason.QUEUE_TIMEOUT, "the router is at capacity: no slot freed within "
                    + queueTimeout.toMillis() + " ms, retry shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refuse(door, Reason.QUEUE_TIMEOUT, "interrupted while queued for a slot");
        }
    }

    /** Generations holding a slot now. */
    public int inFlight() {
        return maxInFlight - slots.availablePermits();
    }

    /** Requests waiting for a slot now. */
    public int queued() {
        return queued.get();
    }

    /** Requests refused so far through {@code door} for {@code reason}. */
    public long refused(Door door, Reason reason) {
        return (long) refused.get(door).get(reason).count();
    }

    private AdmissionRefusedException refuse(Door door, Reason reason, String message) {
        refused.get(door).get(reason).increment();
        return new AdmissionRefusedException(reason, message);
    }

    /** One admitted generation's slot; closing it more than once frees it once. */
    public final class Permit implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Permit() {
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                slots.release();
            }
        }
    }
}
