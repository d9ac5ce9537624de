package dev.specula.router.backend;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One replica of a backend role as the router sees it: its channel, the router's requests running on it, and
 * whether its last health check passed.
 *
 * @param address host:port, or empty for the configured named channel (which is not passed on to drafters)
 */
public final class Backend {
    private final String address;
    private volatile String zone;
    private final Channel channel;
    private final ManagedChannel owned;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CircuitBreaker breaker;
    private volatile boolean healthy = true;
    private volatile ReplicaLoad load = ReplicaLoad.UNKNOWN;

    /**
     * @param owned   the channel when this backend owns it (discovered endpoints), null for a shared one
     * @param breaker opened by requests that saw this replica fail
     */
    Backend(String address, String zone, Channel channel, ManagedChannel owned, CircuitBreaker breaker) {
        this.address = address;
        this.breaker = breaker;
        this.zone = zone;
        this.channel = channel;
        this.owned = owned;
    }

    public String address() {
        return address;
    }

    public String zone() {
        return zone;
    }

    void zone(String newZone) {
        zone = newZone;
    }

    public Channel channel() {
        return channel;
    }

    public int inFlight() {
        return inFlight.get();
    }

    void acquire() {
        inFlight.incrementAndGet();
    }

    void release() {
        inFlight.decrementAndGet();
    }

    /** Healthy by its last probe, and its circuit breaker lets calls through. */
    public boolean available() {
        return healthy && breakerClosed();
    }

    /** No request saw it fail recently (a probe may still be failing, e.g. timing out on a busy replica). */
    boolean breakerClosed() {
        return breaker.getState() != CircuitBreaker.State.OPEN
                && breaker.getState() != CircuitBreaker.State.FORCED_OPEN;
    }

    void probed(boolean up) {
        healthy = up;
    }

    /** The replica's latest own load report. */
    public ReplicaLoad load() {
        return load;
    }

    void reported(ReplicaLoad report) {
        load = report;
    }

    /** Work ahead of a new request here: the router's requests on it plus forwards waiting in its scheduler. */
    int pending() {
        return inFlight.get() + load.queueDepth();
    }

    /** A request on it completed. */
    void succeeded(long nanos) {
        breaker.onSuccess(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A request saw it fail (unreachable, died, stalled). */
    void failed(long nanos, Throwable error) {
        breaker.onError(nanos, java.util.concurrent.TimeUnit.NANOSECONDS, error);
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * A channel in TRANSIENT_FAILURE waits out its reconnect backoff (up to minutes) and fails calls at once
     * meanwhile: a replica that came back would stay unreachable. Probes and requests call this first, so a
     * recovered replica is reconnected within one probe period.
     */
    void wake() {
        if (channel instanceof ManagedChannel managed
                && managed.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            managed.resetConnectBackoff();
        }
    }

    void shutdown() {
        if (owned != null) {
            owned.shutdown();
        }
    }

    @Override
    public String toString() {
        return address.isEmpty() ? "(configured channel)" : address;
    }
}
