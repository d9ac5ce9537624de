package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real SIGTERM ({@link Process#destroy()}) to a verifier running in its own JVM, started through its
 * {@code main} as a deployment starts it: the open session's client sees UNAVAILABLE "verifier shutting down" (a
 * clean end it can resume from, not a cut stream), and the process exits by itself.
 */
class VerifierSigtermTest {

    @Test
    void sigtermEndsAnOpenSessionCleanlyAndTheProcessExits() throws Exception {
        int port = freePort();
        Path log = Files.createTempFile("verifier-sigterm", ".log");
        Process verifier = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                VerifierApplication.class.getName(),
                "--spring.grpc.server.address=127.0.0.1",
                "--spring.grpc.server.port=" + port,
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN",
                "--specula.verifier.model-path=" + ModelPair.TEST_TINY.verifier(),
                "--specula.verifier.intra-op-threads=1",
                "--specula.shutdown.drain-delay=500ms",
                "--spring.grpc.server.shutdown.grace-period=3s"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
            HealthCheckRequest request = HealthCheckRequest.newBuilder().setService("verifier").build();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .failFast("the verifier process died", () -> !verifier.isAlive())
                    .until(() -> health.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .check(request).getStatus() == ServingStatus.SERVING);
            SessionCall call = new SessionCall(channel);
            call.open(VerifierSessionGrpcTest.open(TestTokens.tokens(20, 3), SamplingParams.GREEDY, 64));

            verifier.destroy(); // SIGTERM
            Status ended = call.failure();

            assertThat(ended.getCode()).as(Files.readString(log)).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(ended.getDescription()).isEqualTo(SessionShutdown.STATUS_DESCRIPTION);
            assertThat(verifier.waitFor(60, TimeUnit.SECONDS)).as("the verifier exits by itself").isTrue();
            assertThat(verifier.exitValue()).as("stopped by SIGTERM").isEqualTo(143);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            if (verifier.isAlive()) {
                verifier.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
