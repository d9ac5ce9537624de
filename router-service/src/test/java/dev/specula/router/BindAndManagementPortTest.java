package dev.specula.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.router.testing.FakeMesh;
import dev.specula.router.testing.Http;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * RELIABILITY.md #20, #22, B9: a router told to bind to one interface listens there only (gRPC, HTTP and
 * Actuator), and with {@code management.server.port} its Actuator leaves the inference port for its own.
 * 127.0.0.2 is loopback too on Linux, so a server bound to 127.0.0.1 refuses it while one bound to every
 * interface would accept.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BindAndManagementPortTest {
    private final FakeMesh mesh = new FakeMesh();
    private final AtomicReference<GrpcServerStartedEvent> grpc = new AtomicReference<>();
    private ConfigurableApplicationContext router;
    private int httpPort;
    private int managementPort;

    @BeforeAll
    void start() {
        Path model = Path.of("../models/test-tiny").toAbsolutePath().normalize();
        ApplicationListener<GrpcServerStartedEvent> started = grpc::set;
        router = new SpringApplicationBuilder(RouterApplication.class).logStartupInfo(false).listeners(started).run(
                "--spring.config.name=" + RouterApplication.CONFIG_NAME,
                "--spring.grpc.server.address=127.0.0.1",
                "--spring.grpc.server.port=0",
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.jmx.enabled=false",
                "--logging.level.root=WARN",
                "--specula.router.model-path=" + model,
                "--specula.router.served-model-name=test-tiny",
                "--spring.grpc.client.channel.drafter.target=" + mesh.target(),
                "--spring.grpc.client.channel.verifier.target=" + mesh.target());
        httpPort = Integer.parseInt(router.getEnvironment().getProperty("local.server.port"));
        managementPort = Integer.parseInt(router.getEnvironment().getProperty("local.management.port"));
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (router != null) {
            router.close();
        }
        mesh.close();
    }

    @Test
    void actuatorServesOnTheManagementPortOnlyAndTheInferencePortKeepsTheApi() {
        assertThat(managementPort).isPositive().isNotEqualTo(httpPort);
        Http inference = new Http("http://127.0.0.1:" + httpPort);
        Http management = new Http("http://127.0.0.1:" + managementPort);

        HttpResponse<String> notHere = inference.get("/actuator/health");
        assertThat(notHere.statusCode()).isEqualTo(404);
        assertThat(Http.json(notHere.body()).get("error").get("type").stringValue())
                .isEqualTo("invalid_request_error");
        assertThat(inference.get("/actuator/prometheus").statusCode()).isEqualTo(404);
        assertThat(inference.get("/v1/models").statusCode()).isEqualTo(200);

        HttpResponse<String> health = management.get("/actuator/health/readiness");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(management.get("/actuator/prometheus").body()).contains("specula_router_admission_in_flight");
    }

    @Test
    void everyServerListensOnTheConfiguredInterfaceOnly() throws IOException {
        int grpcPort = grpc.get().getPort();
        assertThat(grpc.get().getAddress()).contains("127.0.0.1");
        for (int port : new int[] {grpcPort, httpPort, managementPort}) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            }
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.2", port), 5000);
                }
            }).as("port %d on another address", port).isInstanceOf(ConnectException.class);
        }
    }
}
