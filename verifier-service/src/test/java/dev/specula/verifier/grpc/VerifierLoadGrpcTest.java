package dev.specula.verifier.grpc;

import static dev.specula.service.testing.TestTokens.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.LoadReport;
import dev.specula.proto.v1.LoadRequest;
import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.runtime.engine.BatchListener;
import dev.specula.runtime.engine.BlockStore;
import dev.specula.verifier.config.VerifierProperties;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.testing.ModelPair;
import dev.specula.verifier.metrics.VerifierMetrics;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * Every verdict reports the verifier's load: how many sessions shared the forward pass that served the round
 * (load-aware draft lengths shorten drafts when rounds are batched) and what waits. The engine's scheduler is
 * held after one step until the other sessions' rounds are queued, so the next step batches exactly them.
 */
class VerifierLoadGrpcTest {
    private static final int SESSIONS = 4;

    private final AtomicBoolean holdNextStep = new AtomicBoolean();
    private final CountDownLatch othersQueued = new CountDownLatch(1);
    private final AtomicReference<VerifierEngine> engineRef = new AtomicReference<>();
    private VerifierEngine engine;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        // Holds the scheduler thread after the held step until the other rounds wait in its queue.
        BatchListener gate = (sessions, tokens, padded, nanos) -> {
            if (holdNextStep.compareAndSet(true, false)) {
                await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(20))
                        .until(() -> engineRef.get().serving().schedulerQueueDepth() == SESSIONS - 1);
                othersQueued.countDown();
            }
        };
        VerifierProperties properties = new VerifierProperties(ModelPair.UNDER_TEST.verifier(), 8, 64, 2,
                DataSize.ofMegabytes(64), Duration.ofSeconds(5), Duration.ofSeconds(30), 16, DataSize.ofMegabytes(8),
                DataSize.ofMegabytes(8), true, 8, 256, 128, Duration.ofMillis(75), Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(30), -1, Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(120), DataSize.ofMegabytes(64));
        engine = new VerifierEngine(properties, (codec, blockTokens) -> BlockStore.NONE, gate);
        engineRef.set(engine);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(new VerifierGrpcService(engine, new VerifierMetrics(new SimpleMeterRegistry()), properties,
                        new SessionShutdown(Duration.ofSeconds(30))))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        engine.close();
    }

    @Test
    void aLoneSessionReportsBatchSizeOneAndNothingQueued() {
        SessionCall call = new SessionCall(channel);
        call.open(VerifierSessionGrpcTest.open(tokens(12, 1), SamplingParams.GREEDY, 8));
        for (int round = 1; round <= 3; round++) {
            RoundVerdict verdict = call.round(VerifierSessionGrpcTest.round(round, new int[] {5, 6}, null));
            assertThat(verdict.getLoad().getBatchSize()).as("round %d", round).isEqualTo(1);
            assertThat(verdict.getLoad().getQueueDepth()).isZero();
            assertThat(verdict.getLoad().getRunningSessions()).isEqualTo(1);
        }
        call.completeAndAwaitEnd();
    }

    @Test
    void theLoadReportTheRouterPlacesWithCountsOpenSessionsAndReservedKv() {
        var stub = VerifierGrpc.newBlockingStub(channel);
        LoadReport idle = stub.load(LoadRequest.getDefaultInstance());
        assertThat(idle.getOpenSessions()).isZero();
        assertThat(idle.getKvBytesReserved()).isZero();
        assertThat(idle.getKvBudgetBytes()).isEqualTo(64L * 1024 * 1024);

        SessionCall call = new SessionCall(channel);
        call.open(VerifierSessionGrpcTest.open(tokens(12, 1), SamplingParams.GREEDY, 8));
        LoadReport busy = stub.load(LoadRequest.getDefaultInstance());
        assertThat(busy.getOpenSessions()).isEqualTo(1);
        assertThat(busy.getKvBytesReserved()).isPositive().isLessThanOrEqualTo(busy.getKvBudgetBytes());
        assertThat(busy.getWaitingSessions()).isZero();
        call.completeAndAwaitEnd();
        await().atMost(Duration.ofSeconds(10)).until(() -> stub.load(LoadRequest.getDefaultInstance())
                .getOpenSessions() == 0);
    }

    @Test
    void roundsThatSharedAForwardPassReportHowManySessionsItServed() throws Exception {
        List<SessionCall> calls = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            SessionCall call = new SessionCall(channel);
            call.open(VerifierSessionGrpcTest.open(tokens(10 + i, 20 + i), SamplingParams.GREEDY, 8));
            calls.add(call);
        }
        holdNextStep.set(true);
        // The first round's step is held until the others are queued behind it; they then share one step.
        calls.get(0).send(SessionRequest.newBuilder()
                .setRound(VerifierSessionGrpcTest.round(1, new int[] {3}, null)).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> !holdNextStep.get());
        for (int i = 1; i < SESSIONS; i++) {
            calls.get(i).send(SessionRequest.newBuilder()
                    .setRound(VerifierSessionGrpcTest.round(1, new int[] {3, 4}, null)).build());
        }
        assertThat(othersQueued.await(20, TimeUnit.SECONDS)).isTrue();

        RoundVerdict first = calls.get(0).nextResponse().getVerdict();
        assertThat(first.getLoad().getBatchSize()).as("the held round ran alone").isEqualTo(1);
        assertThat(first.getLoad().getRunningSessions()).isEqualTo(SESSIONS);
        for (int i = 1; i < SESSIONS; i++) {
            RoundVerdict verdict = calls.get(i).nextResponse().getVerdict();
            assertThat(verdict.getLoad().getBatchSize()).as("session %d", i).isEqualTo(SESSIONS - 1);
            assertThat(verdict.getLoad().getRunningSessions()).isEqualTo(SESSIONS);
        }
        // The next lone round of a session is served alone again.
        RoundVerdict alone = calls.get(1).round(VerifierSessionGrpcTest.round(2, new int[0], null));
        assertThat(alone.getLoad().getBatchSize()).isEqualTo(1);
        for (SessionCall call : calls) {
            call.completeAndAwaitEnd();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.openSessions() == 0);
    }
}
