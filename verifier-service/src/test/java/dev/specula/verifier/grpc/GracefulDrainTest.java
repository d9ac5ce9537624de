package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.service.boot.GracefulDrain;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stopping verifier first tells health checkers it is NOT_SERVING and keeps serving through the drain delay;
 * only then does its server shut down. Kubernetes and routers therefore stop sending work before calls fail.
 */
class GracefulDrainTest {
    private static final Duration DRAIN = Duration.ofSeconds(2);

    @Test
    void aStoppingVerifierTurnsNotServingThenDrainsBeforeItsServerStops() throws Exception {
        RunningService verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME,
                Map.of("specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString()),
                List.of(new GracefulDrain(DRAIN)));
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(verifier.channel());
        HealthCheckRequest verifierService = HealthCheckRequest.newBuilder().setService("verifier").build();
        // The health scheduler registers the per-service status shortly after start (NOT_FOUND until then).
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> health.check(verifierService).getStatus() == ServingStatus.SERVING);

        long start = System.nanoTime();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> verifier.context().close());

        await().pollInterval(Duration.ofMillis(20)).atMost(DRAIN)
                .until(() -> health.check(verifierService).getStatus() == ServingStatus.NOT_SERVING);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .as("the server-wide status too").isEqualTo(ServingStatus.NOT_SERVING);
        closing.get(60, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - start) / 1e9).as("seconds the stop took").isGreaterThanOrEqualTo(
                DRAIN.toMillis() / 1e3 - 0.05);
        verifier.channel().shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
