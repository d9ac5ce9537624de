package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.service.testing.NeverReadingCall;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.kvstore.FakeKvStoreServer;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A session or a target-only Generate stream still open when a stopping verifier's grace period runs out is ended
 * with UNAVAILABLE "verifier shutting down" (so its client can resume elsewhere), not cut by the server, and its KV
 * is freed and offloaded to the store first.
 */
class SessionShutdownTest {

    @Test
    void aSessionOpenAtTheEndOfTheGracePeriodIsEndedWithUnavailableAndItsKvOffloaded() throws Exception {
        try (FakeKvStoreServer store = new FakeKvStoreServer();
             RunningService verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME,
                     Map.of("specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                             "specula.verifier.prefix-cache-bytes", "0",
                             "spring.grpc.server.shutdown.grace-period", "2s",
                             "spring.grpc.client.channel.kvstore.target", store.target()))) {
            VerifierEngine engine = verifier.bean(VerifierEngine.class);
            SessionCall call = new SessionCall(verifier.channel());
            // 40 prompt tokens: two full 16-token blocks to offload.
            call.open(VerifierSessionGrpcTest.open(TestTokens.tokens(40, 7), SamplingParams.GREEDY, 64));
            call.round(VerifyRound.newBuilder().setRound(1).build()); // prefills the prompt
            assertThat(engine.openSessions()).isEqualTo(1);
            assertThat(store.blockCount()).as("nothing offloaded while the session is open").isZero();

            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> verifier.context().close());
            Status ended = call.failure();

            assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(ended.getDescription()).isEqualTo(SessionShutdown.STATUS_DESCRIPTION);
            assertThat(engine.openSessions()).as("freed before the status was sent").isZero();
            closing.get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> store.blockCount() >= 2);
        }
    }

    @Test
    void aGenerateStreamOpenAtTheEndOfTheGracePeriodIsEndedWithUnavailableAndItsKvOffloaded() throws Exception {
        String inProcess = "verifier-generate-shutdown-" + UUID.randomUUID();
        try (FakeKvStoreServer store = new FakeKvStoreServer();
             RunningService verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME,
                     Map.of("specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                             "specula.verifier.prefix-cache-bytes", "0",
                             "spring.grpc.server.inprocess.name", inProcess,
                             "spring.grpc.server.shutdown.grace-period", "2s",
                             "spring.grpc.client.channel.kvstore.target", store.target()))) {
            ManagedChannel channel = InProcessChannelBuilder.forName(inProcess).build();
            try {
                VerifierEngine engine = verifier.bean(VerifierEngine.class);
                // In process, the server is not ready while the client has requested nothing: a client that never
                // reads holds the generation in flow control, so it is still running when the grace period ends
                // (the stall timeout, 30 s, is far longer).
                NeverReadingCall<TargetGenerateRequest, GenerateEvent> call = NeverReadingCall.start(channel,
                        VerifierGrpc.getGenerateMethod(), CallOptions.DEFAULT);
                call.request(generate(TestTokens.tokens(40, 7), 2000)); // two full 16-token blocks to offload
                await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(20))
                        .until(() -> engine.openSessions() == 1 || call.end().isDone());
                assertThat(call.end()).as("held while the client does not read").isNotDone();
                assertThat(store.blockCount()).as("nothing offloaded while the generation runs").isZero();

                CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> verifier.context().close());
                Status ended = call.end().get(60, TimeUnit.SECONDS);

                assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(ended.getDescription()).isEqualTo(SessionShutdown.STATUS_DESCRIPTION);
                assertThat(engine.openSessions()).as("freed before the status was sent").isZero();
                closing.get(60, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(20)).until(() -> store.blockCount() >= 2);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static TargetGenerateRequest generate(int[] prompt, int maxNewTokens) {
        return TargetRequests.greedy(prompt, maxNewTokens).build();
    }

    @Test
    void theSessionsAreEndedShortlyBeforeTheGracePeriodRunsOut() {
        assertThat(new SessionShutdown(Duration.ofSeconds(30))).extracting("endAfter").isEqualTo(Duration.ofSeconds(25));
        assertThat(new SessionShutdown(Duration.ofSeconds(2))).extracting("endAfter")
                .isEqualTo(Duration.ofMillis(1600));
        assertThat(new SessionShutdown(Duration.ZERO)).extracting("endAfter").isEqualTo(Duration.ZERO);
        assertThat(new SessionShutdown(Duration.ofSeconds(-1))).extracting("endAfter").as("wait for ever").isNull();
    }
}
