package dev.specula.router.backend;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Checks every replica's gRPC health service (named after its role: the verifier's is a real one-token
 * verification) on a fixed period, without blocking: a replica that is not SERVING, or does not answer within
 * the timeout, takes no new work until a later check passes.
 */
public final class HealthProber implements AutoCloseable {
    private final List<BackendPool> pools;
    private final Duration timeout;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "router-health-prober");
        t.setDaemon(true);
        return t;
    });

    public HealthProber(List<BackendPool> pools, Duration interval, Duration timeout) {
        this.pools = List.copyOf(pools);
        this.timeout = timeout;
        timer.scheduleWithFixedDelay(this::probeAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probeAll() {
        for (BackendPool pool : pools) {
            for (Backend backend : pool.backends()) {
                probe(pool.role(), backend);
            }
        }
    }

    private void probe(String service, Backend backend) {
        var check = HealthGrpc.newFutureStub(backend.channel())
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build());
        Futures.addCallback(check, new FutureCallback<>() {
            @Override
            public void onSuccess(HealthCheckResponse response) {
                backend.probed(response.getStatus() == HealthCheckResponse.ServingStatus.SERVING);
            }

            @Override
            public void onFailure(Throwable error) {
                backend.probed(false);
            }
        }, MoreExecutors.directExecutor());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
