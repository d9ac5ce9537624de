package dev.specula.router.backend;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.specula.proto.v1.LoadReport;
import dev.specula.proto.v1.LoadRequest;
import dev.specula.proto.v1.VerifierGrpc;
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
 * the timeout, takes no new work until a later check passes. A serving verifier is also asked for its load
 * ({@code Verifier/Load}), which placement reads.
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
        backend.wake();
        // Wait for a connection being made (within the timeout) instead of failing on a channel still connecting.
        var check = HealthGrpc.newFutureStub(backend.channel())
                .withWaitForReady()
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build());
        Futures.addCallback(check, new FutureCallback<>() {
            @Override
            public void onSuccess(HealthCheckResponse response) {
                boolean serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
                backend.probed(serving);
                if (serving && service.equals("verifier")) {
                    askLoad(backend);
                }
            }

            @Override
            public void onFailure(Throwable error) {
                backend.probed(false);
            }
        }, MoreExecutors.directExecutor());
    }

    private void askLoad(Backend backend) {
        var load = VerifierGrpc.newFutureStub(backend.channel())
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .load(LoadRequest.getDefaultInstance());
        Futures.addCallback(load, new FutureCallback<>() {
            @Override
            public void onSuccess(LoadReport report) {
                backend.reported(new ReplicaLoad(report.getWaitingSessions(), report.getQueueDepth(),
                        report.getKvBudgetBytes() == 0 ? 0
                                : (double) report.getKvBytesReserved() / report.getKvBudgetBytes()));
            }

            @Override
            public void onFailure(Throwable error) {
                // An older verifier without Load, or a slow answer: placement falls back to the router's own counts.
                backend.reported(ReplicaLoad.UNKNOWN);
            }
        }, MoreExecutors.directExecutor());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
