package dev.specula.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RELIABILITY.md #6, the front door crashing, with real processes: a KV store, a verifier, a drafter and a router,
 * each its own JVM (models/test-tiny, so generations are fast). A greedy speculative generation streams through the
 * router (router → drafter → verifier session); the router gets SIGKILL mid-stream. The client's stream must end
 * with an error at once, not hang until its deadline; the drafter and the verifier must let go of the generation
 * (the dropped connection cancels the drafter's call, which ends its verifier session; the verifier's idle lease,
 * 10 s here, would reap a session whose drafter never noticed). Then a router started again on the same ports
 * serves three greedy requests in a row, each identical to the output taken before the crash: the router holds no
 * state a restart could lose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouterRestartTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {\n";
    /**
     * Far more than the router can have sent when the kill lands: the test-tiny model is fast, and HTTP/2 windows
     * let the router run ahead of what the client has read.
     */
    private static final int MAX_TOKENS = 1500;
    /** Tokens the client waits for before the kill. */
    private static final int KILL_AFTER = 24;
    private static final String TINY = "models/test-tiny";

    private final ProcessGroup processes = new ProcessGroup();
    private List<String> routerArguments;
    private ServiceProcess verifier;
    private ServiceProcess drafter;
    private ServiceProcess router;
    private ManagedChannel channel;

    @BeforeAll
    void startMesh() throws Exception {
        ServiceProcess kvstore = processes.start("restart-kvstore", "kvstore-service", List.of());
        verifier = processes.start("restart-verifier", "verifier-service", List.of(
                "--spring.grpc.client.channel.kvstore.target=static://" + kvstore.grpcAddress(),
                "--specula.verifier.model-path=" + TINY,
                "--specula.verifier.session-idle-timeout=10s"));
        drafter = processes.start("restart-drafter", "drafter-service", List.of(
                "--specula.drafter.model-path=" + TINY,
                "--spring.grpc.client.channel.verifier.target=static://" + verifier.grpcAddress(),
                "--specula.drafter.routed-verifiers=127.0.0.1:*"));
        routerArguments = List.of(
                "--specula.router.model-path=" + TINY,
                "--specula.router.discovery.verifiers=" + verifier.grpcAddress(),
                "--specula.router.discovery.drafters=" + drafter.grpcAddress(),
                "--specula.router.discovery.probe-interval=500ms");
        router = processes.start("restart-router", "router-service", routerArguments);
        processes.awaitReady();
        channel = processes.channelTo(router);
    }

    @AfterAll
    void stopMesh() throws Exception {
        processes.close();
    }

    @Test
    void aKilledRouterFailsItsStreamsAtOnceLeavesNoSessionAndServesTheSameOutputAfterARestart() throws Exception {
        List<Integer> baseline = threeInARow(null);

        List<Integer> before = new ArrayList<>();
        StatusRuntimeException cut = catchThrowableOfType(StatusRuntimeException.class,
                () -> stream(before, router::kill9));

        assertThat(cut).as("the stream ends with an error when the router dies").isNotNull();
        // The call's deadline is a minute away: UNAVAILABLE means the client learnt of the crash from the dropped
        // connection, not by waiting (DEADLINE_EXCEEDED would be the hang this row is about).
        assertThat(cut.getStatus().getCode()).as(cut.toString()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(before.size()).as("tokens before the kill").isBetween(KILL_AFTER, MAX_TOKENS - 1);
        assertThat(before).as("what streamed before the kill is the baseline's start")
                .isEqualTo(baseline.subList(0, before.size()));
        // Nothing is left holding the generation downstream of the dead router.
        assertThat(drafter.awaitZero("specula_drafter_open_generations", Duration.ofSeconds(30)))
                .as("drafter generations still open").isZero();
        assertThat(verifier.awaitZero("specula_verifier_open_sessions", Duration.ofSeconds(30)))
                .as("verifier sessions still open").isZero();
        assertThat(verifier.awaitZero("specula_verifier_kv_bytes_reserved", Duration.ofSeconds(30)))
                .as("KV bytes still reserved").isZero();

        router = processes.restart(router, "router-service", routerArguments);
        router.awaitReady(Duration.ofMinutes(2));
        long ready = System.nanoTime();
        assertThat(threeInARow(ready)).as("greedy output after the restart").isEqualTo(baseline);
    }

    /**
     * Three full greedy generations in a row with identical output, retrying (on the same channel, as a client
     * would) while the router's first health probes have not yet reached its backends; returns the output. With
     * {@code since} set, reports how long after that instant the first one succeeded (not asserted: speed belongs
     * to benchmarks).
     */
    private List<Integer> threeInARow(Long since) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Integer> first = null;
        int inARow = 0;
        while (inARow < 3) {
            try {
                List<Integer> tokens = new ArrayList<>();
                GenerationSummary summary = stream(tokens, null);
                assertThat(tokens).hasSize(MAX_TOKENS);
                assertThat(summary.getFallbackReason()).as("speculative, not a fallback").isEmpty();
                if (first == null) {
                    first = tokens;
                    if (since != null) {
                        System.out.printf("router restart: first request served %.2f s after readiness%n",
                                (System.nanoTime() - since) / 1e9);
                    }
                }
                assertThat(tokens).isEqualTo(first);
                inARow++;
            } catch (StatusRuntimeException notYet) {
                assertThat(System.nanoTime()).as("served within 30 s: " + notYet).isLessThan(deadline);
                inARow = 0;
                first = null;
                Thread.sleep(100);
            }
        }
        return first;
    }

    /**
     * One greedy speculative generation of MAX_TOKENS into {@code tokens}; {@code midway} runs once KILL_AFTER
     * tokens have arrived. Returns the summary, or throws the stream's error.
     */
    private GenerationSummary stream(List<Integer> tokens, Action midway) throws Exception {
        Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                .generate(GenerateRequest.newBuilder().setPrompt(PROMPT).setMode(Mode.MODE_SPECULATIVE)
                        .setMaxTokens(MAX_TOKENS).setIgnoreEos(true)
                        .setSampling(SamplingParams.newBuilder().setTemperature(0)).build());
        boolean acted = midway == null;
        while (events.hasNext()) {
            GenerateEvent event = events.next();
            if (event.hasSummary()) {
                return event.getSummary();
            }
            tokens.addAll(event.getChunk().getTokenIdsList());
            if (!acted && tokens.size() >= KILL_AFTER) {
                midway.run();
                acted = true;
            }
        }
        throw new AssertionError("the stream ended without a summary after " + tokens.size() + " tokens");
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }
}
