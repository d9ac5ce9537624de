package dev.specula.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.e2e.RouterCalls.Action;
import dev.specula.e2e.RouterCalls.Run;
import dev.specula.proto.v1.Mode;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The mesh as separate processes, wired as the Helm chart wires it: a KV store, two verifier replicas, one
 * drafter and a router that discovers them from its static endpoint lists and health-checks them. Each test kills
 * one service with SIGKILL while a greedy generation streams through the router, and checks that the client gets
 * exactly the uninterrupted output: no gap, no repeated token, no error. The tests run in order and each leaves
 * its victim dead, so the later ones also show that the mesh keeps serving with what is left; the last one takes
 * the last verifier away (requests fail at once, 503 over HTTP) and brings it back on the same port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KillNineTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {\n";
    /** Long enough that a kill after the first tokens lands well before the end, also on a fast machine. */
    private static final int MAX_TOKENS = 400;
    /** Tokens the client waits for before the kill. */
    private static final int KILL_AFTER = 24;

    private final ProcessGroup processes = new ProcessGroup();
    private ServiceProcess kvstore;
    private ServiceProcess verifierA;
    private ServiceProcess verifierB;
    private ServiceProcess drafter;
    private ServiceProcess router;
    private ManagedChannel channel;
    private String expected;

    @BeforeAll
    void startMesh() throws Exception {
        kvstore = processes.start("kvstore", "kvstore-service", List.of());
        String store = "--spring.grpc.client.channel.kvstore.target=static://" + kvstore.grpcAddress();
        verifierA = processes.start("verifier-a", "verifier-service", List.of(store));
        verifierB = processes.start("verifier-b", "verifier-service", List.of(store));
        drafter = processes.start("drafter", "drafter-service", List.of(
                "--spring.grpc.client.channel.verifier.target=static://" + verifierA.grpcAddress(),
                "--specula.drafter.routed-verifiers=127.0.0.1:*"));
        router = processes.start("router", "router-service", List.of(
                "--specula.router.discovery.verifiers=" + verifierA.grpcAddress() + "," + verifierB.grpcAddress(),
                "--specula.router.discovery.drafters=" + drafter.grpcAddress(),
                "--specula.router.discovery.probe-interval=500ms"));
        processes.awaitReady();
        channel = processes.channelTo(router);
        RouterCalls.awaitServing(channel, Mode.MODE_SPECULATIVE);
        Run baseline = generate(Mode.MODE_SPECULATIVE, null);
        assertThat(baseline.summary().getCompletionTokens()).isEqualTo(MAX_TOKENS);
        assertThat(baseline.summary().getFallbackReason()).isEmpty();
        expected = baseline.text();
    }

    @AfterAll
    void stopMesh() throws Exception {
        processes.close();
    }

    @Test
    @Order(1)
    void theHttpFrontDoorGivesTheSameGreedyTextAsGrpc() throws Exception {
        HttpResponse<String> response = completionOverHttp();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JsonText.field(response.body(), "text")).isEqualTo(expected);
    }

    @Test
    @Order(2)
    void killingTheVerifierThatServesTheRequestResumesOnTheOtherReplica() throws Exception {
        Run run = generate(Mode.MODE_SPECULATIVE,
                () -> RouterCalls.servingVerifier(verifierA, verifierB).kill9());

        assertThat(run.text()).as("greedy output with a verifier killed mid-stream").isEqualTo(expected);
        assertThat(run.summary().getCompletionTokens()).isEqualTo(MAX_TOKENS);
        assertThat(run.summary().getFallbackReason()).contains("verifier").contains("resumed on another replica");
        ServiceProcess survivor = verifierA.alive() ? verifierA : verifierB;
        assertThat(verifierA.alive() && verifierB.alive()).as("one verifier was killed").isFalse();
        assertThat(survivor.awaitZero("specula_verifier_open_sessions", Duration.ofSeconds(30))).as(survivor.name)
                .isZero();
    }

    @Test
    @Order(3)
    void killingTheOnlyDrafterContinuesOnTheVerifierFromTheTokensAlreadyStreamed() throws Exception {
        Run run = generate(Mode.MODE_SPECULATIVE, drafter::kill9);

        assertThat(run.text()).as("greedy output with the drafter killed mid-stream").isEqualTo(expected);
        assertThat(run.summary().getMode()).isEqualTo(Mode.MODE_TARGET_ONLY);
        assertThat(run.summary().getFallbackReason()).contains("drafter unavailable");
    }

    @Test
    @Order(4)
    void killingTheKvStoreMidGenerationLosesNothing() throws Exception {
        ServiceProcess survivor = verifierA.alive() ? verifierA : verifierB;
        Run run = generate(Mode.MODE_TARGET_ONLY, kvstore::kill9);

        assertThat(run.text()).isEqualTo(expected);
        // The verifier offloads the finished session to a store that is gone: that must not leak or fail anything.
        assertThat(survivor.awaitZero("specula_verifier_open_sessions", Duration.ofSeconds(30))).as(survivor.name)
                .isZero();
        assertThat(generate(Mode.MODE_TARGET_ONLY, null).text()).as("serving goes on without the store")
                .isEqualTo(expected);
    }

    @Test
    @Order(5)
    void withEveryVerifierGoneRequestsFailAtOnceAndServingResumesWhenOneComesBack() throws Exception {
        ServiceProcess last = verifierA.alive() ? verifierA : verifierB;
        last.kill9();

        long start = System.nanoTime();
        io.grpc.StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                io.grpc.StatusRuntimeException.class, () -> generate(Mode.MODE_TARGET_ONLY, null));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        assertThat(seconds).as("an error, not a wait for the request timeout (300 s)").isLessThan(30);
        HttpResponse<String> http = completionOverHttp();
        assertThat(http.statusCode()).as(http.body()).isEqualTo(503);
        assertThat(http.headers().firstValue("Retry-After")).isPresent();

        ServiceProcess back = processes.restart(last, "verifier-service", List.of());
        back.awaitReady(Duration.ofMinutes(2));
        // The router probes every 500 ms and wakes channels stuck in reconnect backoff: three answers in a row.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int inARow = 0;
        while (inARow < 3) {
            try {
                assertThat(generate(Mode.MODE_SPECULATIVE, null).text()).isEqualTo(expected);
                inARow++;
            } catch (io.grpc.StatusRuntimeException notYet) {
                assertThat(System.nanoTime()).as("served again within 30 s of readiness: " + notYet)
                        .isLessThan(deadline);
                inARow = 0;
                Thread.sleep(100);
            }
        }
    }

    private HttpResponse<String> completionOverHttp() throws Exception {
        String body = "{\"model\":\"specula-java-12m\",\"prompt\":" + json(PROMPT) + ",\"max_tokens\":" + MAX_TOKENS
                + ",\"temperature\":0,\"ignore_eos\":true}";
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + router.httpPort + "/v1/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** One greedy generation of MAX_TOKENS through the router; {@code midway} runs once KILL_AFTER tokens arrived. */
    private Run generate(Mode mode, Action midway) throws Exception {
        Run run = RouterCalls.generate(channel, PROMPT, mode, MAX_TOKENS, KILL_AFTER, midway);
        assertThat(run.tokens()).as("tokens streamed").isEqualTo(MAX_TOKENS);
        return run;
    }
}
