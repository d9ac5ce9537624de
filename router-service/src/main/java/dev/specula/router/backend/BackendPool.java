package dev.specula.router.backend;

import dev.specula.router.discovery.Endpoint;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The replicas of one backend role (drafters or verifiers) and the choice among them. The endpoint list comes
 * from discovery (whole lists, applied as they arrive); channels of endpoints that disappear are shut down
 * gracefully, so requests running on them finish.
 *
 * <p>Choice: only available replicas (health check passed, no recent request failure) that the request has not
 * already seen fail; if none is available, those no request saw fail lately (a probe may time out on a busy
 * replica), then any replica the request has not seen fail (a probe may lag a recovery, and refusing outright
 * would turn a stale health view into an outage).
 */
public final class BackendPool {
    private final String role;
    private final Function<String, ManagedChannel> dial;
    private final CircuitBreakerRegistry breakers;
    private volatile List<Backend> backends = List.of();

    /** Unsaturated before saturated, then the least work ahead, then the most free KV memory. */
    private static final Comparator<Backend> LEAST_LOADED = Comparator
            .comparing((Backend b) -> b.load().saturated())
            .thenComparingInt(Backend::pending)
            .thenComparingDouble(b -> b.load().kvUtilisation());

    /**
     * @param role name for messages and metrics ("drafter", "verifier"), also the gRPC health service checked
     * @param dial     opens a channel to host:port
     * @param breakers  one circuit breaker per replica, named role:address (the registry's metrics tag them)
     */
    public BackendPool(String role, Function<String, ManagedChannel> dial, CircuitBreakerRegistry breakers) {
        this.role = role;
        this.dial = dial;
        this.breakers = breakers;
    }

    /** A pool of the one configured named channel (static mode without an endpoint list). */
    public static BackendPool ofChannel(String role, Channel channel, CircuitBreakerRegistry breakers) {
        BackendPool pool = new BackendPool(role, address -> {
            throw new IllegalStateException("a configured-channel pool has no endpoints to dial");
        }, breakers);
        pool.backends = List.of(new Backend("", "", channel, null, breakers.circuitBreaker(role)));
        return pool;
    }

    public String role() {
        return role;
    }

    public List<Backend> backends() {
        return backends;
    }

    /** Applies discovery's current list: new endpoints get channels, vanished ones are closed. */
    public synchronized void update(List<Endpoint> endpoints) {
        Map<String, Backend> current = new LinkedHashMap<>();
        for (Backend b : backends) {
            current.put(b.address(), b);
        }
        List<Backend> next = new ArrayList<>();
        for (Endpoint e : endpoints) {
            Backend backend = current.remove(e.address());
            if (backend == null) {
                ManagedChannel channel = dial.apply(e.address());
                backend = new Backend(e.address(), e.zone(), channel, channel,
                        breakers.circuitBreaker(role + ":" + e.address()));
            } else {
                backend.zone(e.zone());
            }
            next.add(backend);
        }
        backends = List.copyOf(next);
        for (Backend gone : current.values()) {
            gone.shutdown();
            breakers.remove(gone.breaker().getName());
        }
    }

    /**
     * The least loaded eligible replica, preferring {@code preferredZone} when it is non-empty and has one.
     *
     * @throws io.grpc.StatusRuntimeException UNAVAILABLE when every replica failed this request or none exists
     */
    public Backend leastLoaded(String preferredZone, Set<Backend> failedForRequest) {
        List<Backend> eligible = eligible(failedForRequest);
        if (!preferredZone.isEmpty()) {
            List<Backend> local = eligible.stream().filter(b -> b.zone().equals(preferredZone)).toList();
            if (!local.isEmpty()) {
                eligible = local;
            }
        }
        return eligible.stream().min(LEAST_LOADED).orElseThrow();
    }

    /**
     * The replica that rendezvous hashing assigns to {@code affinityKey} (so one conversation keeps landing where
     * its KV is), unless it already runs {@code maxInFlight} requests or reports itself saturated (sessions waiting
     * for KV memory, or its KV budget nearly all reserved): then the least loaded one.
     */
    public Backend withAffinity(byte[] affinityKey, int maxInFlight, Set<Backend> failedForRequest) {
        List<Backend> eligible = eligible(failedForRequest);
        Backend preferred = eligible.stream()
                .max(Comparator.comparingLong(b -> score(affinityKey, b.address()))).orElseThrow();
        if (preferred.inFlight() < maxInFlight && !preferred.load().saturated()) {
            return preferred;
        }
        return eligible.stream().min(LEAST_LOADED).orElseThrow();
    }

    private List<Backend> eligible(Set<Backend> failedForRequest) {
        List<Backend> all = backends;
        List<Backend> available = all.stream().filter(b -> !failedForRequest.contains(b) && b.available()).toList();
        if (!available.isEmpty()) {
            return available;
        }
        // A probe can time out on a replica that is merely busy; one that failed a request is likelier gone.
        List<Backend> unbroken = all.stream().filter(b -> !failedForRequest.contains(b) && b.breakerClosed())
                .toList();
        if (!unbroken.isEmpty()) {
            return unbroken;
        }
        List<Backend> untried = all.stream().filter(b -> !failedForRequest.contains(b)).toList();
        if (untried.isEmpty()) {
            throw Status.UNAVAILABLE.withDescription(all.isEmpty() ? "no " + role + " endpoints discovered"
                    : "every " + role + " replica failed this request").asRuntimeException();
        }
        return untried;
    }

    /** Rendezvous (highest random weight) score of one replica for a key. */
    private static long score(byte[] key, String address) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(key);
            sha.update(address.getBytes(StandardCharsets.UTF_8));
            byte[] d = sha.digest();
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (d[i] & 0xff);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes every owned channel (router shutdown). */
    public synchronized void close() {
        backends.forEach(Backend::shutdown);
        backends = List.of();
    }
}
