package dev.specula.router.admission;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Admission of the front doors ({@code specula.router.admission.*}): one bound shared by gRPC
 * {@code Router/Generate} and the HTTP API, whatever the API key, and within it a bound per tenant
 * (RELIABILITY.md #4). Example of a tenant override (tenants are those of {@code specula.router.auth.keys}):
 * <pre>
 * specula.router.admission.tenant-max-requests=64
 * specula.router.admission.tenants.team-a.max-requests=8
 * specula.router.admission.tenants.team-a.max-queued-bytes=256KB
 * </pre>
 *
 * @param maxInFlight          generations running at once over both doors
 * @param maxQueued            generations waiting for a slot; one more is refused at once. Kept well below the
 *                             servlet thread pool (200): a queued HTTP request holds a servlet thread while it waits,
 *                             and the health probes need one too
 * @param queueTimeout         longest wait for a slot (the queue's TTL); a request still waiting then is refused
 * @param tenantMaxRequests    requests of one tenant running or queued at once; one more is refused with 429 while
 *                             other tenants are still admitted. 0 = no bound beyond the router's
 * @param tenantMaxQueuedBytes prompt bytes (4 per prompt token: the ids a queued request holds) one tenant may have
 *                             waiting in the queue; a request that would exceed it is refused with 429 instead of
 *                             queued. 0 = no bound
 * @param tenants              per-tenant overrides of the two bounds above, by tenant name
 */
@ConfigurationProperties(prefix = "specula.router.admission", ignoreUnknownFields = false)
public record AdmissionProperties(@DefaultValue("256") int maxInFlight, @DefaultValue("64") int maxQueued,
                                  @DefaultValue("10s") Duration queueTimeout,
                                  @DefaultValue("0") int tenantMaxRequests,
                                  @DefaultValue("8MB") DataSize tenantMaxQueuedBytes,
                                  Map<String, TenantLimits> tenants) {

    public AdmissionProperties {
        if (maxInFlight < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("specula.router.admission: max-in-flight >= 1 and max-queued >= 0"
                    + " needed");
        }
        if (queueTimeout == null || queueTimeout.isNegative()) {
            throw new IllegalArgumentException("specula.router.admission.queue-timeout must be >= 0");
        }
        tenantMaxQueuedBytes = tenantMaxQueuedBytes == null ? DataSize.ofBytes(0) : tenantMaxQueuedBytes;
        if (tenantMaxRequests < 0 || tenantMaxQueuedBytes.isNegative()) {
            throw new IllegalArgumentException("specula.router.admission: tenant-max-requests and"
                    + " tenant-max-queued-bytes must be >= 0");
        }
        tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
    }

    /** Only the router-wide bound: no per-tenant request bound, the default queued-bytes bound. */
    public static AdmissionProperties global(int maxInFlight, int maxQueued, Duration queueTimeout) {
        return new AdmissionProperties(maxInFlight, maxQueued, queueTimeout, 0, DataSize.ofMegabytes(8), Map.of());
    }

    /** The bounds that apply to {@code tenant}: its override where set, the defaults elsewhere. */
    public TenantQuota quotaOf(String tenant) {
        TenantLimits own = tenants.get(tenant);
        int requests = own != null && own.maxRequests() != null ? own.maxRequests() : tenantMaxRequests;
        DataSize bytes = own != null && own.maxQueuedBytes() != null ? own.maxQueuedBytes() : tenantMaxQueuedBytes;
        return new TenantQuota(requests, bytes.toBytes());
    }

    /**
     * One tenant's override; a null field keeps the default.
     *
     * @param maxRequests    requests running or queued at once; 0 = no bound beyond the router's
     * @param maxQueuedBytes prompt bytes waiting in the queue; 0 = no bound
     */
    public record TenantLimits(Integer maxRequests, DataSize maxQueuedBytes) {

        public TenantLimits {
            if ((maxRequests != null && maxRequests < 0) || (maxQueuedBytes != null && maxQueuedBytes.isNegative())) {
                throw new IllegalArgumentException("specula.router.admission.tenants.*: max-requests and"
                        + " max-queued-bytes must be >= 0");
            }
        }
    }

    /**
     * The bounds of one tenant, resolved.
     *
     * @param maxRequests    0 = unbounded
     * @param maxQueuedBytes 0 = unbounded
     */
    public record TenantQuota(int maxRequests, long maxQueuedBytes) {
    }
}
