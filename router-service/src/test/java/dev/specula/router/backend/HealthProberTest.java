package dev.specula.router.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.router.discovery.Endpoint;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router stops choosing a verifier whose gRPC health turns NOT_SERVING (its readiness is a real one-token
 * verification) within two probe periods, and takes it back once it serves again; an unreachable one likewise.
 */
class HealthProberTest {
    private final HealthStatusManager healthA = new HealthStatusManager();
    private final HealthStatusManager healthB = new HealthStatusManager();
    private Server a;
    private Server b;
    private BackendPool pool;
    private HealthProber prober;

    @AfterEach
    void stop() throws Exception {
        prober.close();
        pool.close();
        a.shutdownNow().awaitTermination();
        if (b != null) {
            b.shutdownNow().awaitTermination();
        }
    }

    @Test
    void aVerifierThatStopsServingIsDroppedWithinTwoProbePeriodsAndTakenBackWhenItRecovers() throws Exception {
        a = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(healthA.getHealthService())
                .build().start();
        b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(healthB.getHealthService())
                .build().start();
        healthA.setStatus("verifier", ServingStatus.SERVING);
        healthB.setStatus("verifier", ServingStatus.SERVING);
        pool = new BackendPool("verifier", address -> ManagedChannelBuilder.forTarget(address).usePlaintext().build(),
                CircuitBreakerRegistry.of(BackendBreakers.CONFIG));
        String addressA = "127.0.0.1:" + a.getPort();
        String addressB = "127.0.0.1:" + b.getPort();
        pool.update(List.of(new Endpoint(addressA, ""), new Endpoint(addressB, "")));
        Duration period = Duration.ofMillis(200);
        prober = new HealthProber(List.of(pool), period, Duration.ofSeconds(1));

        healthA.setStatus("verifier", ServingStatus.NOT_SERVING);
        await().atMost(period.multipliedBy(2).plusMillis(300)).untilAsserted(() ->
                assertThat(pool.backends().get(0).available()).isFalse());
        for (int i = 0; i < 20; i++) {
            assertThat(pool.leastLoaded("", Set.of()).address()).isEqualTo(addressB);
        }

        healthA.setStatus("verifier", ServingStatus.SERVING);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(pool.backends().get(0).available()).isTrue());

        b.shutdownNow().awaitTermination();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(pool.backends().get(1).available()).as("unreachable").isFalse());
        assertThat(pool.leastLoaded("", Set.of()).address()).isEqualTo(addressA);
    }
}
