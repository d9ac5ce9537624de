package dev.specula.drafter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.metrics.DrafterMetrics;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.drafter.testing.VerifierAndDrafter;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.Mode;
import dev.specula.runtime.engine.ServingEngine;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.SeededClients;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RELIABILITY.md #8, random cancel points through two hops: 120 speculative (or entropy-adaptive) generations from
 * a drafter service that verifies against a verifier service, both on real gRPC ports, four clients at a time.
 * Each client ends its call at a seeded random point: a cancel right after starting it (before the drafter has
 * opened its verifier session), a cancel after a random number of streamed chunks, or a deadline of a few
 * milliseconds. Afterwards nothing may be left on either side: no drafter generation, no verifier session, no
 * reserved or live KV.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RandomGenerateCancelTest {
    private static final long SEED = 20261122L;
    private static final int RUNS = 120;
    private static final int CLIENTS = 4;

    enum CancelPoint { AT_START, AFTER_CHUNKS, DEADLINE }

    private VerifierAndDrafter services;
    private RunningService drafter;
    private VerifierEngine verifierEngine;

    @BeforeAll
    void start() {
        services = VerifierAndDrafter.start(ModelPair.UNDER_TEST, Map.of());
        drafter = services.drafter();
        verifierEngine = services.verifierEngine();
    }

    @AfterAll
    void stop() {
        if (services != null) {
            services.close();
        }
    }

    @Test
    void generationsCancelledAtRandomPointsLeaveNothingOnTheDrafterOrTheVerifier() throws Exception {
        ServingEngine serving = verifierEngine.serving();
        DrafterMetrics drafterMetrics = drafter.bean(DrafterMetrics.class);
        long reservedBefore = serving.budget().reservedBytes();
        long kvBefore = serving.kvBytesInUse();
        Map<CancelPoint, Integer> hits = SeededClients.run(CLIENTS, RUNS, SEED, CancelPoint.class, this::runOnce);
        assertThat(hits).as("every cancel point was reached").containsOnlyKeys(CancelPoint.values());

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(drafterMetrics.openGenerations()).as("drafter generations").isZero();
            assertThat(verifierEngine.openSessions()).as("verifier sessions").isZero();
            assertThat(serving.budget().reservedBytes()).as("reserved KV bytes").isEqualTo(reservedBefore);
            assertThat(serving.kvBytesInUse()).as("KV bytes of live caches").isEqualTo(kvBefore);
        });
    }

    /** One generation, ended by its client at a random point; returns the point. */
    private CancelPoint runOnce(Random random) throws Exception {
        CancelPoint point = CancelPoint.values()[random.nextInt(CancelPoint.values().length)];
        Mode mode = random.nextInt(4) == 0 ? Mode.MODE_ENTROPY_ADAPTIVE : Mode.MODE_SPECULATIVE;
        DraftGenerateRequest request = DrafterGenerateGrpcTest.request(
                TestTokens.tokens(1 + random.nextInt(200), random.nextInt()), mode, SamplingParams.GREEDY,
                512, 1 + random.nextInt(8), true);
        int cancelAfter = 1 + random.nextInt(12);
        long deadlineMillis = point == CancelPoint.DEADLINE ? 1 + random.nextInt(60) : 60_000;
        AtomicInteger chunks = new AtomicInteger();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
        DrafterGrpc.newStub(drafter.channel()).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).generate(
                request, new ClientResponseObserver<DraftGenerateRequest, GenerateEvent>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<DraftGenerateRequest> requestStream) {
                        call[0] = requestStream;
                    }

                    @Override
                    public void onNext(GenerateEvent event) {
                        if (point == CancelPoint.AFTER_CHUNKS && event.hasChunk()
                                && chunks.incrementAndGet() == cancelAfter) {
                            call[0].cancel("test client went away", null);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
        if (point == CancelPoint.AT_START) {
            call[0].cancel("test client went away at once", null);
        }
        Status status = ended.get(30, TimeUnit.SECONDS);
        // A short generation may finish before its cancel point; anything else must be the client's own ending.
        assertThat(status.getCode()).as(status.toString())
                .isIn(Status.Code.OK, Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED);
        return point;
    }
}
