package dev.specula.verifier.grpc;

import static dev.specula.service.testing.TestTokens.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.service.testing.NeverReadingCall;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Slow readers (reliability matrix "slow reader / backpressure"): a client that never asks for a message must
 * not make the verifier buffer without bound. Generate blocks its own generation and is ended with
 * DEADLINE_EXCEEDED after {@code specula.verifier.stream-stall-timeout}, freeing the session; Session stops
 * taking rounds once verdicts stop flowing, so the client's own sends stall.
 *
 * <p>Generate goes through the in-process transport, whose server is not ready while the client has requested
 * nothing: a 2048-token generation (~22 KB of chunks) is smaller than what Netty's window and gRPC's 32 KB
 * on-ready threshold absorb, so over a socket it would simply finish into the buffers (bounded, but it would
 * never exercise the stall). Session goes over a real socket with a small client window.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierSlowReaderGrpcTest {
    private static final Duration STALL = Duration.ofSeconds(2);
    private static final String IN_PROCESS = "verifier-slow-reader-" + UUID.randomUUID();
    /** Far more rounds than the windows on the way can hold; a flow-controlled verifier stalls the client first. */
    private static final int MAX_ROUNDS = 400_000;

    private RunningService verifier;
    private VerifierEngine engine;
    private int port;
    private ManagedChannel inProcess;

    /** Serves on a network port and in process, to reach the server over both transports. */
    @BeforeAll
    void start() {
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, Map.of(
                "spring.grpc.server.inprocess.name", IN_PROCESS,
                "specula.verifier.model-path", ModelPair.UNDER_TEST.verifier().toString(),
                "specula.verifier.intra-op-threads", "2",
                "specula.verifier.stream-stall-timeout", STALL.toMillis() + "ms"));
        port = verifier.port();
        engine = verifier.bean(VerifierEngine.class);
        inProcess = InProcessChannelBuilder.forName(IN_PROCESS).build();
    }

    @AfterEach
    void noSessionIsLeftOpen() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(engine.openSessions()).as("open sessions").isZero());
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (inProcess != null) {
            inProcess.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void aGenerateClientThatNeverReadsIsEndedAtTheStallTimeoutAndFreesItsSession() throws Exception {
        NeverReadingCall<TargetGenerateRequest, GenerateEvent> call = NeverReadingCall.start(inProcess,
                VerifierGrpc.getGenerateMethod(), CallOptions.DEFAULT);
        call.request(generate(tokens(8, 21), 2000));

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> engine.openSessions() == 1 || call.end().isDone());
        assertThat(call.end()).as("still held while the client does not read").isNotDone();

        call.assertEndedByStallTimeout(STALL);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> engine.openSessions() == 0);

        // The verifier is fine afterwards: a client that reads gets its whole generation.
        Iterator<GenerateEvent> events = VerifierGrpc.newBlockingStub(inProcess)
                .withDeadlineAfter(30, TimeUnit.SECONDS).generate(generate(tokens(8, 22), 16));
        int tokens = 0;
        GenerateEvent last = null;
        while (events.hasNext()) {
            last = events.next();
            tokens += last.getChunk().getTokenIdsCount();
        }
        assertThat(last).isNotNull();
        assertThat(last.hasSummary()).isTrue();
        assertThat(last.getSummary().getCompletionTokens()).isEqualTo(16);
        assertThat(tokens).isEqualTo(16);
    }

    /**
     * The client opens a session and pipelines rounds as fast as its transport takes them, but never reads a
     * verdict. Every round is a continuation that the gate discards (no forward pass, no context used), so the
     * verifier could answer any number of them: only flow control stops it.
     */
    @Test
    void aSessionClientThatNeverReadsStallsItsOwnSendsAndTheVerifierStopsTakingRounds() throws Exception {
        ManagedChannel smallWindow = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .flowControlWindow(16 * 1024).build();
        MeterRegistry registry = verifier.bean(MeterRegistry.class);
        double processedBefore = processed(registry);
        try {
            NeverReadingCall<SessionRequest, SessionResponse> call = NeverReadingCall.start(smallWindow,
                    VerifierGrpc.getSessionMethod(), CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
            call.send(SessionRequest.newBuilder().setOpen(VerifierSessionGrpcTest.open(tokens(8, 23),
                    SamplingParams.GREEDY, 32)).build());

            int sent = call.sendUntilStalled(VerifierSlowReaderGrpcTest::continuation, MAX_ROUNDS);

            assertThat(call.end()).as("the session must stay open while the client stalls").isNotDone();
            assertThat(sent).as("rounds sent before the client's transport stopped taking more")
                    .isLessThan(MAX_ROUNDS);
            assertThat(engine.openSessions()).isEqualTo(1);
            double[] last = {-1};
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> {
                double now = processed(registry);
                boolean same = now == last[0];
                last[0] = now;
                return same;
            });
            long processed = Math.round(processed(registry) - processedBefore);
            System.out.printf("slow session reader: %d rounds sent, %d processed by the verifier%n", sent, processed);
            assertThat(processed).as("rounds the verifier took from a client that reads no verdict")
                    .isPositive().isLessThan(sent / 4);
            assertThat(call.isReady()).isFalse();

            call.cancel();
            assertThat(call.end().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> engine.openSessions() == 0);
        } finally {
            smallWindow.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A continuation round that the verifier discards at once (no forward): cheap to send by the thousand. */
    private static SessionRequest continuation(int round) {
        VerifyRound.Builder message = VerifyRound.newBuilder().setRound(round).setContinuesPrevious(true);
        IntStream.range(0, 4).forEach(i -> message.addDraftTokenIds((round + i) % 100));
        return SessionRequest.newBuilder().setRound(message).build();
    }

    private static double processed(MeterRegistry registry) {
        return registry.get("specula_verifier_rounds").counter().count()
                + registry.get("specula_verifier_discarded_rounds").counter().count();
    }

    private static TargetGenerateRequest generate(int[] prompt, int maxNewTokens) {
        return TargetRequests.greedy(prompt, maxNewTokens).build();
    }
}
