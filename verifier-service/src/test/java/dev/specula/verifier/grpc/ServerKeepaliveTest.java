package dev.specula.verifier.grpc;

import static dev.specula.service.testing.TestTokens.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.netem.DelayProxy;
import dev.specula.netem.LinkProfile;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RELIABILITY.md #6: a caller that vanishes without closing its connection (its node crashed, a partition) must
 * not keep its session until TCP gives up. The verifier's server pings a connection it has heard nothing from
 * (verifier.yaml: after 30 s, 10 s for the answer; here 10 s, grpc-java's floor, and 1 s) and closes it when no
 * answer comes, which cancels the session. The idle lease is left at its 120 s default, so only the keepalive can
 * free the session within this test's bound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerKeepaliveTest {
    private RunningService verifier;
    private VerifierEngine engine;
    private DelayProxy link;
    private ManagedChannel channel;

    @BeforeAll
    void start() throws Exception {
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, Map.of(
                "specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                "spring.grpc.server.keepalive.time", "10s",
                "spring.grpc.server.keepalive.timeout", "1s"));
        engine = verifier.bean(VerifierEngine.class);
        link = new DelayProxy("127.0.0.1", verifier.port(), LinkProfile.NONE);
        // The client itself never pings: it plays a peer that simply stops answering.
        channel = NettyChannelBuilder.forAddress("127.0.0.1", link.port()).usePlaintext().build();
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (link != null) {
            link.close();
        }
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void aSessionWhosePeerStopsAnsweringIsEndedByTheServerKeepalive() {
        SessionCall call = new SessionCall(channel);
        call.open(VerifierSessionGrpcTest.open(tokens(8, 3), SamplingParams.GREEDY, 32));
        call.round(VerifierSessionGrpcTest.round(1, new int[] {1, 2}, null));
        assertThat(engine.openSessions()).isEqualTo(1);

        // Every byte from now on arrives an hour late, both ways: both sockets stay open, nothing gets through,
        // as with a peer whose machine died. Neither side sees a FIN or a reset.
        link.setProfile(LinkProfile.delay(Duration.ofHours(1)));

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(40))
                .untilAsserted(() -> assertThat(engine.openSessions()).as("open sessions").isZero());
        assertThat(engine.serving().budget().reservedBytes()).as("reserved KV bytes").isZero();
    }
}
