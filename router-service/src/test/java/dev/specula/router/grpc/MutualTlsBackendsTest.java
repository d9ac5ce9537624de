package dev.specula.router.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.router.testing.InProcessRouter;
import dev.specula.service.testing.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The router's client side on a mutual-TLS mesh, configured as the chart does with Kubernetes discovery: backends
 * listed by address (here a static list, the same dialing path), dialed over the {@code specula} bundle of the
 * unnamed channel, and their certificate, which names the Service and not the address, checked against the
 * role's authority. The fake backends require a client certificate from the mesh CA (throwaway PKI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsBackendsTest {
    private static final Path MODEL = Path.of("../models/test-tiny").toAbsolutePath().normalize();

    private TestCertificates certs;
    private FakeBackends backends;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        certs = TestCertificates.create();
        backends = new FakeBackends(GrpcSslContexts.forServer(certs.peerCert().toFile(), certs.peerKey().toFile())
                .trustManager(certs.ca().toFile()).clientAuth(ClientAuth.REQUIRE).build());
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        backends.close();
    }

    @Test
    void listedBackendsAreDialledOverMutualTlsAndCheckedAgainstTheServiceName() {
        ManagedChannel router = router(true);
        backends.drafter = FakeBackends.stream(List.of(new int[] {99, 97, 102}), GenerationSummary.newBuilder()
                .setMode(Mode.MODE_SPECULATIVE).setFinishReason(FinishReason.FINISH_REASON_LENGTH)
                .setCompletionTokens(3).build());

        List<GenerateEvent> events = new ArrayList<>();
        RouterGrpc.newBlockingStub(router).withDeadlineAfter(30, TimeUnit.SECONDS).generate(request())
                .forEachRemaining(events::add);

        assertThat(events.get(events.size() - 1).getSummary().getCompletionTokens()).isEqualTo(3);
        assertThat(backends.drafterRequests).hasSize(1);
    }

    @Test
    void withoutTheAuthorityTheBackendsCertificateDoesNotNameTheAddressAndNothingIsSent() {
        ManagedChannel router = router(false);
        backends.reset();

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                RouterGrpc.newBlockingStub(router).withDeadlineAfter(30, TimeUnit.SECONDS).generate(request())
                        .forEachRemaining(event -> { }));

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).as("%s", refused.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(backends.drafterRequests).isEmpty();
        assertThat(backends.verifierRequests).isEmpty();
    }

    private ManagedChannel router(boolean authority) {
        String name = "router-mtls-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of(
                "--specula.router.model-path=" + MODEL,
                "--specula.router.request-timeout=5s",
                "--specula.router.fallback-to-target-only=false",
                "--specula.router.discovery.drafters=" + backends.address(),
                "--specula.router.discovery.verifiers=" + backends.address(),
                "--specula.router.discovery.probe-interval=200ms",
                "--spring.grpc.client.channel.default.ssl.enabled=true",
                "--spring.grpc.client.channel.default.ssl.bundle=specula"));
        if (authority) {
            args.add("--specula.router.discovery.drafter-authority=" + TestCertificates.SERVICE_NAME);
            args.add("--specula.router.discovery.verifier-authority=" + TestCertificates.SERVICE_NAME);
        }
        certs.pemBundle("specula").forEach((key, value) -> args.add("--" + key + "=" + value));
        ConfigurableApplicationContext context = InProcessRouter.start(name, false, args.toArray(String[]::new));
        closeables.add(context);
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        closeables.add(channel::shutdownNow);
        return channel;
    }

    private static GenerateRequest request() {
        return GenerateRequest.newBuilder().setPrompt("int gcd(").setMode(Mode.MODE_SPECULATIVE).setMaxTokens(3)
                .build();
    }
}
