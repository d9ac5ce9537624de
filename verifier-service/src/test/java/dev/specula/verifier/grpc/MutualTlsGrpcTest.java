package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.proto.v1.LoadReport;
import dev.specula.proto.v1.LoadRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestCertificates;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * Mutual TLS on an internal gRPC port, configured exactly as the Helm chart does it for internal components
 * ({@code tls.internal.clientAuth=require}): one PEM SSL bundle {@code specula} serves and dials, and the server
 * requires a client certificate signed by the mesh CA. Certificates come from a throwaway CA made at test time.
 * Real TCP on loopback; every refused call carries a deadline, so a refusal can never pass as a hang.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsGrpcTest {
    private static final long DEADLINE_SECONDS = 10;

    private TestCertificates certs;
    private RunningService verifier;

    @BeforeAll
    void start() {
        certs = TestCertificates.create();
        Map<String, String> properties = new HashMap<>(certs.pemBundle("specula"));
        properties.put("specula.verifier.model-path", ModelPair.UNDER_TEST.verifier().toString());
        properties.put("specula.verifier.intra-op-threads", "1");
        properties.put("spring.grpc.server.ssl.enabled", "true");
        properties.put("spring.grpc.server.ssl.bundle", "specula");
        properties.put("spring.grpc.server.ssl.client-auth", "require");
        // The client side of the mesh (the router's discovered endpoints, any unnamed channel): same bundle.
        properties.put("spring.grpc.client.channel.default.ssl.enabled", "true");
        properties.put("spring.grpc.client.channel.default.ssl.bundle", "specula");
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, properties);
    }

    @AfterAll
    void stop() {
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void aMeshClientWithTheSpeculaBundleIsServed() {
        // Spring's own channel factory and credentials, as the router dials a discovered pod: by address, over the
        // default channel's bundle, checking the certificate against the Service name.
        ManagedChannel channel = verifier.bean(GrpcChannelFactory.class).createChannel("127.0.0.1:" + verifier.port(),
                ChannelBuilderOptions.defaults().withCustomizer((target, builder) ->
                        builder.overrideAuthority(TestCertificates.SERVICE_NAME)));
        try {
            assertThat(load(channel).getOpenSessions()).isZero();
        } finally {
            close(channel);
        }
    }

    @Test
    void aClientHoldingACaSignedCertificateIsServed() throws Exception {
        assertServed(tls(builder -> builder.keyManager(certs.peerCert().toFile(), certs.peerKey().toFile())));
    }

    @Test
    void aPlaintextConnectionIsRefused() {
        assertRefused(NettyChannelBuilder.forAddress("127.0.0.1", verifier.port()).usePlaintext().build());
        assertServedWithTheMeshCertificate();
    }

    @Test
    void aTlsClientWithoutACertificateIsRefused() throws Exception {
        assertRefused(tls(UnaryOperator.identity()));
        assertServedWithTheMeshCertificate();
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() throws Exception {
        assertRefused(tls(builder -> builder.keyManager(certs.strangerCert().toFile(),
                certs.strangerKey().toFile())));
        assertServedWithTheMeshCertificate();
    }

    /** A TLS channel trusting the mesh CA (so the server is accepted), with the client identity {@code key} adds. */
    private ManagedChannel tls(UnaryOperator<SslContextBuilder> key) throws Exception {
        SslContextBuilder builder = GrpcSslContexts.forClient().trustManager(certs.ca().toFile());
        return NettyChannelBuilder.forAddress("127.0.0.1", verifier.port())
                .overrideAuthority(TestCertificates.SERVICE_NAME).sslContext(key.apply(builder).build()).build();
    }

    private void assertServedWithTheMeshCertificate() {
        try {
            assertServed(tls(builder -> builder.keyManager(certs.peerCert().toFile(), certs.peerKey().toFile())));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertServed(ManagedChannel channel) {
        try {
            assertThat(load(channel).getOpenSessions()).isZero();
        } finally {
            close(channel);
        }
    }

    private static void assertRefused(ManagedChannel channel) {
        try {
            assertThatThrownBy(() -> load(channel))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .as("refused at the connection, not timed out: %s", e.getStatus())
                            .isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            close(channel);
        }
    }

    private static LoadReport load(ManagedChannel channel) {
        return VerifierGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .load(LoadRequest.getDefaultInstance());
    }

    private static void close(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
