package dev.specula.drafter.grpc;

import static dev.specula.service.testing.TestTokens.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.drafter.testing.VerifierAndDrafter;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.Mode;
import dev.specula.service.testing.NeverReadingCall;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Slow reader (reliability matrix "slow reader / backpressure"): a Generate client that never asks for a message
 * stalls its own generation, which is ended with DEADLINE_EXCEEDED after
 * {@code specula.drafter.stream-stall-timeout} and gives its verifier session back.
 *
 * <p>The drafter is reached in process, whose server is not ready while the client has requested nothing: a
 * 2048-token generation (~22 KB of chunks) is less than Netty's window plus gRPC's 32 KB on-ready threshold, so
 * over a socket it would simply finish into the buffers and never exercise the stall. The verifier is a real
 * service on a loopback port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrafterSlowReaderGrpcTest {
    private static final Duration STALL = Duration.ofSeconds(2);
    private static final String IN_PROCESS = "drafter-slow-reader-" + UUID.randomUUID();

    private RunningService verifier;
    private VerifierEngine verifierEngine;
    private RunningService drafter;
    private ManagedChannel channel;

    @BeforeAll
    void start() {
        VerifierAndDrafter services = VerifierAndDrafter.start(ModelPair.UNDER_TEST, Map.of(
                "spring.grpc.server.inprocess.name", IN_PROCESS,
                "specula.drafter.stream-stall-timeout", STALL.toMillis() + "ms"));
        verifier = services.verifier();
        drafter = services.drafter();
        verifierEngine = services.verifierEngine();
        channel = InProcessChannelBuilder.forName(IN_PROCESS).build();
    }

    @AfterEach
    void theVerifierHasNoOpenSession() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(verifierEngine.openSessions()).as("verifier sessions").isZero());
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (drafter != null) {
            drafter.close();
        }
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void aGenerateClientThatNeverReadsIsEndedAtTheStallTimeoutAndFreesTheVerifierSession() throws Exception {
        NeverReadingCall<DraftGenerateRequest, GenerateEvent> call = NeverReadingCall.start(channel,
                DrafterGrpc.getGenerateMethod(), CallOptions.DEFAULT);
        call.request(DrafterGenerateGrpcTest.request(tokens(8, 31), Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 2000,
                4, true));

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> verifierEngine.openSessions() == 1 || call.end().isDone());
        assertThat(call.end()).as("still held while the client does not read").isNotDone();

        call.assertEndedByStallTimeout(STALL);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> verifierEngine.openSessions() == 0);

        // The drafter is fine afterwards: a client that reads gets its whole generation.
        Iterator<GenerateEvent> events = DrafterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(DrafterGenerateGrpcTest.request(tokens(8, 32), Mode.MODE_SPECULATIVE, SamplingParams.GREEDY,
                        16, 4, true));
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


}
