package dev.specula.router.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.router.testing.InProcessRouter;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.service.testing.NeverReadingCall;
import dev.specula.service.testing.RepoRoot;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Slow readers at the front door (reliability matrix "slow reader / backpressure"), over the router's in-process
 * server, whose streams are not ready while the client has requested nothing:
 * <ul>
 *   <li>Router/Generate: a client that never reads stalls its generation, which is ended with DEADLINE_EXCEEDED
 *       after {@code specula.router.stream-stall-timeout}, cancelling the backend call;</li>
 *   <li>the relay of Verifier/Session: an edge client that sends rounds but reads no verdict stalls its own
 *       sends; the router stops pulling verdicts, the verifier (a flow-controlled fake) stops taking rounds, and
 *       the router stops taking the client's: nothing on the way buffers without bound.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouterSlowReaderGrpcTest {
    private static final String ROUTER = "router-slow-reader-" + UUID.randomUUID();
    private static final Duration STALL = Duration.ofSeconds(2);
    /** Far more rounds than the windows on the way can hold; a flow-controlled relay stalls the client first. */
    private static final int MAX_ROUNDS = 30_000;

    private FakeBackends backends;
    private FakeSessionVerifier verifier;
    private ConfigurableApplicationContext router;
    private ManagedChannel channel;

    @BeforeAll
    void start() throws Exception {
        backends = new FakeBackends();
        verifier = new FakeSessionVerifier();
        router = InProcessRouter.start(ROUTER, false,
                "--specula.router.model-path=" + RepoRoot.path().resolve("models/test-tiny"),
                "--specula.router.max-tokens-cap=64",
                "--specula.router.request-timeout=60s",
                "--specula.router.stream-stall-timeout=" + STALL.toMillis() + "ms",
                "--spring.grpc.client.channel.drafter.target=" + backends.target(),
                "--spring.grpc.client.channel.verifier.target=" + verifier.target());
        channel = InProcessChannelBuilder.forName(ROUTER).build();
    }

    @AfterEach
    void resetBackends() {
        backends.reset();
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (router != null) {
            router.close();
        }
        if (backends != null) {
            backends.close();
        }
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void aGenerateClientThatNeverReadsIsEndedAtTheStallTimeoutAndTheBackendCallIsCancelled() throws Exception {
        CountDownLatch backendCancelled = new CountDownLatch(1);
        backends.drafter = FakeBackends.streamUntilCancelled(new int[] {'c', 'a', 'f'}, backendCancelled);
        NeverReadingCall<GenerateRequest, GenerateEvent> call = NeverReadingCall.start(channel,
                RouterGrpc.getGenerateMethod(), CallOptions.DEFAULT);
        call.request(request(Mode.MODE_SPECULATIVE));

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> running() == 1 || call.end().isDone());
        assertThat(call.end()).as("still held while the client does not read").isNotDone();

        call.assertEndedByStallTimeout(STALL);
        assertThat(backendCancelled.await(10, TimeUnit.SECONDS)).as("the drafter call was cancelled").isTrue();
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> running() == 0);

        // The router is fine afterwards: a client that reads gets its whole generation.
        backends.drafter = FakeBackends.stream(List.of(new int[] {'c', 'a'}, new int[] {'f'}),
                GenerationSummary.newBuilder().setMode(Mode.MODE_SPECULATIVE)
                        .setFinishReason(FinishReason.FINISH_REASON_LENGTH).setCompletionTokens(3).build());
        List<GenerateEvent> events = new ArrayList<>();
        RouterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(request(Mode.MODE_SPECULATIVE)).forEachRemaining(events::add);
        assertThat(events).filteredOn(GenerateEvent::hasChunk).extracting(e -> e.getChunk().getText())
                .containsExactly("ca", "f");
        assertThat(events.get(events.size() - 1).getSummary().getCompletionTokens()).isEqualTo(3);
    }

    /**
     * The edge client opens a session through the router and pipelines small rounds as fast as its stream takes
     * them, but never reads a verdict. The fake verifier answers each round with a large verdict, so the router's
     * receive window fills after a few hundred verdicts; from then on every hop must stop pulling.
     */
    @Test
    void anEdgeSessionClientThatNeverReadsStallsItsOwnSendsAndTheVerifierStopsTakingRounds() throws Exception {
        long roundsBefore = verifier.rounds.get();
        NeverReadingCall<SessionRequest, SessionResponse> call = NeverReadingCall.start(channel,
                VerifierGrpc.getSessionMethod(), CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
        call.send(SessionRequest.newBuilder().setOpen(OpenSession.newBuilder()
                .addAllPromptTokenIds(List.of(1, 2, 3)).setMaxNewTokens(32)).build());

        // Not ready means the router takes nothing more: stalled once no on-ready comes for two seconds.
        int sent = call.sendUntilStalled(RouterSlowReaderGrpcTest::round, MAX_ROUNDS);

        assertThat(call.end()).as("the session must stay open while the client stalls").isNotDone();
        assertThat(sent).as("rounds sent before the router stopped taking more").isLessThan(MAX_ROUNDS);
        assertThat(verifier.openSessions).hasValue(1);
        long[] last = {-1};
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> {
            long now = verifier.rounds.get();
            boolean same = now == last[0];
            last[0] = now;
            return same;
        });
        long processed = verifier.rounds.get() - roundsBefore;
        System.out.printf("slow edge session reader: %d rounds sent, %d answered by the verifier%n", sent, processed);
        assertThat(processed).as("rounds the verifier answered for a client that reads no verdict")
                .isPositive().isLessThan(sent / 4);
        assertThat(call.isReady()).isFalse();

        call.cancel();
        assertThat(call.end().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(verifier.openSessions).as("verifier sessions").hasValue(0));
    }

    private static SessionRequest round(int round) {
        VerifyRound.Builder message = VerifyRound.newBuilder().setRound(round).setContinuesPrevious(true);
        IntStream.range(0, 4).forEach(i -> message.addDraftTokenIds((round + i) % 100));
        return SessionRequest.newBuilder().setRound(message).build();
    }

    private static GenerateRequest request(Mode mode) {
        return GenerateRequest.newBuilder().setPrompt("int gcd(").setMode(mode).setMaxTokens(32).setIgnoreEos(true)
                .build();
    }

    /** The router's {@code vllm:num_requests_running}: generations it holds. */
    private double running() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        router.getBean(RouterMetrics.class).vllm().write(out);
        return out.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith("vllm:num_requests_running{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
