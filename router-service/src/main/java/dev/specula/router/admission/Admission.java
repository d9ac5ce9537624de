package dev.specula.router.admission;

import dev.specula.router.plan.GenerationRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One bound on the generations the router runs, shared by its front doors: {@code maxInFlight} run, up to
 * {@code maxQueued} wait in arrival order for at most {@code queueTimeout}, and the rest are refused at once (503:
 * the pool is saturated). Within it, each tenant may have at most its quota of requests running or queued and of
 * prompt bytes queued; over either it is refused at once with 429 ({@link TenantQuotaExceededException}) and
 * takes nothing from the other tenants. Without it only the per-key bulkheads limit gRPC, and with auth off nothing
 * does.
 *
 * <p>Metrics: {@code specula_router_admission_in_flight}, {@code specula_router_admission_queued} (gauges),
 * {@code specula_router_admission_refused_total{door,reason}}, and per tenant
 * {@code specula_router_admission_tenant_requests{tenant}}, {@code specula_router_admission_tenant_queued_bytes{tenant}}
 * (gauges) and {@code specula_router_admission_tenant_refused_total{tenant,reason}}. Tenant names come from the
 * configured API keys ({@code default} with auth off), so their number is bounded by the configuration.
 */
public final class Admission {

    /** The front door a request came through (a metric tag). */
    public enum Door { GRPC, HTTP }

    /** Why a request was refused. */
    public enum Reason {
        /** The router's queue is full (503). */
        QUEUE_FULL,
        /** No slot freed within the queue timeout (503). */
        QUEUE_TIMEOUT,
        /** The tenant has its quota of requests running or queued (429). */
        TENANT_REQUESTS,
        /** Queuing the prompt would exceed the tenant's queued bytes (429). */
        TENANT_QUEUED_BYTES
    }

    private final int maxInFlight;
    private final int maxQueued;
    private final Duration queueTimeout;
    /** Fair: a slot freed goes to the longest waiter, never to a request arriving at that moment. */
    private final Semaphore slots;
    private final AtomicInteger queued = new AtomicInteger();
    private final Map<Door, Map<Reason, Counter>> refused = new EnumMap<>(Door.class);
    private final AdmissionProperties properties;
    private final MeterRegistry registry;
    private final Map<String, TenantLoad> tenants = new ConcurrentHashMap<>();

    public Admission(AdmissionProperties properties, MeterRegistry registry) {
        this.properties = properties;
        this.registry = registry;
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
     * A slot for one generation of {@code tenant}, waiting in the queue when none is free; the caller closes the
     * permit when the generation ends, however it ends.
     *
     * @param promptBytes what the request holds while queued (4 bytes per prompt token), counted against the
     *                    tenant's queued-bytes quota
     * @throws TenantQuotaExceededException when the tenant is over its quota (nothing is held then)
     * @throws AdmissionRefusedException    when the router's queue is full or the wait reaches the queue timeout
     */
    public Permit admit(Door door, String tenant, long promptBytes) {
        TenantLoad load = tenants.computeIfAbsent(tenant, this::register);
        if (!load.enter()) {
            throw refuse(door, load, Reason.TENANT_REQUESTS, "tenant quota exceeded: tenant " + tenant + " has "
                    + load.quota.maxRequests() + " requests running or queued already, retry shortly");
        }
        boolean admitted = false;
        try {
            Permit permit = acquire(door, load, promptBytes);
            admitted = true;
            return permit;
        } finally {
            if (!admitted) {
                load.requests.decrementAndGet();
            }
        }
    }

    /** What a queued request holds of its prompt, for the queued-bytes quota: its token ids, 4 bytes each. */
    public static long promptBytes(GenerationRequest request) {
        return (long) request.promptTokens().length * Integer.BYTES;
    }

    private Permit acquire(Door door, TenantLoad load, long promptBytes) {
        try {
            if (slots.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return new Permit(load);
            }
            if (!load.queueBytes(promptBytes)) {
                throw refuse(door, load, Reason.TENANT_QUEUED_BYTES, "tenant quota exceeded: tenant " + load.tenant
                        + " may queue " + load.quota.maxQueuedBytes() + " prompt bytes and has "
                        + load.queuedBytes.get() + " queued; this request needs " + promptBytes + ", retry shortly");
            }
            try {
                return waitForSlot(door, load);
            } finally {
                load.queuedBytes.addAndGet(-promptBytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refuse(door, Reason.QUEUE_TIMEOUT, "interrupted while queued for a slot");
        }
    }

    private Permit waitForSlot(Door door, TenantLoad load) throws InterruptedException {
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            throw refuse(door, Reason.QUEUE_FULL, "the router is at capacity (" + maxInFlight
                    + " generations running, " + maxQueued + " queued), retry shortly");
        }
        try {
            if (slots.tryAcquire(queueTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return new Permit(load);
            }
        } finally {
            queued.decrementAndGet();
        }
        throw refuse(door, Reason.QUEUE_TIMEOUT, "the router is at capacity: no slot freed within "
                + queueTimeout.toMillis() + " ms, retry shortly");
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

    /** Requests of {@code tenant} running or queued now. */
    public int tenantRequests(String tenant) {
        TenantLoad load = tenants.get(tenant);
        return load == null ? 0 : load.requests.get();
    }

    /** Prompt bytes of {@code tenant} waiting in the queue now. */
    public long tenantQueuedBytes(String tenant) {
        TenantLoad load = tenants.get(tenant);
        return load == null ? 0 : load.queuedBytes.get();
    }

    /** Requests of {@code tenant} refused so far for {@code reason} (a tenant reason). */
    public long tenantRefused(String tenant, Reason reason) {
        TenantLoad load = tenants.get(tenant);
        return load == null || !load.refused.containsKey(reason) ? 0 : (long) load.refused.get(reason).count();
    }

    private AdmissionRefusedException refuse(Door door, Reason reason, String message) {
        refused.get(door).get(reason).increment();
        return new AdmissionRefusedException(reason, message);
    }

    private TenantQuotaExceededException refuse(Door door, TenantLoad load, Reason reason, String message) {
        refused.get(door).get(reason).increment();
        load.refused.get(reason).increment();
        return new TenantQuotaExceededException(reason, message);
    }

    private TenantLoad register(String tenant) {
        TenantLoad load = new TenantLoad(tenant, properties.quotaOf(tenant));
        Gauge.builder("specula_router_admission_tenant_requests", load.requests, AtomicInteger::get)
                .tag("tenant", tenant).register(registry);
        Gauge.builder("specula_router_admission_tenant_queued_bytes", load.queuedBytes, AtomicLong::get)
                .tag("tenant", tenant).register(registry);
        for (Reason reason : new Reason[] {Reason.TENANT_REQUESTS, Reason.TENANT_QUEUED_BYTES}) {
            load.refused.put(reason, Counter.builder("specula_router_admission_tenant_refused")
                    .tag("tenant", tenant).tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        return load;
    }

    /** What one tenant holds: requests running or queued, and prompt bytes queued. */
    private static final class TenantLoad {
        final String tenant;
        final AdmissionProperties.TenantQuota quota;
        final AtomicInteger requests = new AtomicInteger();
        final AtomicLong queuedBytes = new AtomicLong();
        final Map<Reason, Counter> refused = new EnumMap<>(Reason.class);

        TenantLoad(String tenant, AdmissionProperties.TenantQuota quota) {
            this.tenant = tenant;
            this.quota = quota;
        }

        /** Counts one more request, unless the tenant is at its quota. */
        boolean enter() {
            int max = quota.maxRequests();
            if (requests.incrementAndGet() > max && max > 0) {
                requests.decrementAndGet();
                return false;
            }
            return true;
        }

        /** Adds {@code bytes} to the queued bytes, unless that would exceed the quota. */
        boolean queueBytes(long bytes) {
            long max = quota.maxQueuedBytes();
            if (queuedBytes.addAndGet(bytes) > max && max > 0) {
                queuedBytes.addAndGet(-bytes);
                return false;
            }
            return true;
        }
    }

    /** One admitted generation's slot; closing it more than once frees it once. */
    public final class Permit implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);
        private final TenantLoad load;

        private Permit(TenantLoad load) {
            this.load = load;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                load.requests.decrementAndGet();
                slots.release();
            }
        }
    }
}
