package dev.specula.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
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

    private final List<ServiceProcess> processes = new ArrayList<>();
    private ServiceProcess kvstore;
    private ServiceProcess verifierA;
    private ServiceProcess verifierB;
    private ServiceProcess drafter;
    private ServiceProcess router;
    private ManagedChannel channel;
    private String expected;

    @BeforeAll
    void startMesh() throws Exception {
        kvstore = track(ServiceProcess.start("kvstore", "kvstore-service", List.of()));
        String store = "--spring.grpc.client.channel.kvstore.target=static://" + kvstore.grpcAddress();
        verifierA = track(ServiceProcess.start("verifier-a", "verifier-service", List.of(store)));
        verifierB = track(ServiceProcess.start("verifier-b", "verifier-service", List.of(store)));
        drafter = track(ServiceProcess.start("drafter", "drafter-service", List.of(
                "--spring.grpc.client.channel.verifier.target=static://" + verifierA.grpcAddress(),
                "--specula.drafter.routed-verifiers=127.0.0.1:*")));
        router = track(ServiceProcess.start("router", "router-service", List.of(
                "--specula.router.discovery.verifiers=" + verifierA.grpcAddress() + "," + verifierB.grpcAddress(),
                "--specula.router.discovery.drafters=" + drafter.grpcAddress(),
                "--specula.router.discovery.probe-interval=500ms")));
        for (ServiceProcess p : processes) {
            p.awaitReady(Duration.ofMinutes(4));
        }
        channel = ManagedChannelBuilder.forTarget(router.grpcAddress()).usePlaintext().build();
        awaitRouterServing();
        Run baseline = generate(Mode.MODE_SPECULATIVE, null);
        assertThat(baseline.summary.getCompletionTokens()).isEqualTo(MAX_TOKENS);
        assertThat(baseline.summary.getFallbackReason()).isEmpty();
        expected = baseline.text;
    }

    @AfterAll
    void stopMesh() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (ServiceProcess p : processes) {
            p.close();
        }
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
        Run run = generate(Mode.MODE_SPECULATIVE, () -> servingVerifier().kill9());

        assertThat(run.text).as("greedy output with a verifier killed mid-stream").isEqualTo(expected);
        assertThat(run.summary.getCompletionTokens()).isEqualTo(MAX_TOKENS);
        assertThat(run.summary.getFallbackReason()).contains("verifier").contains("resumed on another replica");
        ServiceProcess survivor = verifierA.alive() ? verifierA : verifierB;
        assertThat(verifierA.alive() && verifierB.alive()).as("one verifier was killed").isFalse();
        awaitZero(survivor, "specula_verifier_open_sessions");
    }

    @Test
    @Order(3)
    void killingTheOnlyDrafterContinuesOnTheVerifierFromTheTokensAlreadyStreamed() throws Exception {
        Run run = generate(Mode.MODE_SPECULATIVE, drafter::kill9);

        assertThat(run.text).as("greedy output with the drafter killed mid-stream").isEqualTo(expected);
        assertThat(run.summary.getMode()).isEqualTo(Mode.MODE_TARGET_ONLY);
        assertThat(run.summary.getFallbackReason()).contains("drafter unavailable");
    }

    @Test
    @Order(4)
    void killingTheKvStoreMidGenerationLosesNothing() throws Exception {
        ServiceProcess survivor = verifierA.alive() ? verifierA : verifierB;
        Run run = generate(Mode.MODE_TARGET_ONLY, kvstore::kill9);

        assertThat(run.text).isEqualTo(expected);
        // The verifier offloads the finished session to a store that is gone: that must not leak or fail anything.
        awaitZero(survivor, "specula_verifier_open_sessions");
        assertThat(generate(Mode.MODE_TARGET_ONLY, null).text).as("serving goes on without the store")
                .isEqualTo(expected);
    }

    /**
     * The router started before its backends were listening; it sends work to a replica once a health probe
     * (every 500 ms here) has reached it. Wait for that, as a load balancer would wait for readiness.
     */
    private void awaitRouterServing() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                RouterGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                        .generate(GenerateRequest.newBuilder().setPrompt("x").setMode(Mode.MODE_SPECULATIVE)
                                .setMaxTokens(1).build())
                        .forEachRemaining(e -> { });
                return;
            } catch (io.grpc.StatusRuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
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

        ServiceProcess back = track(ServiceProcess.restart(last, "verifier-service", List.of()));
        back.awaitReady(Duration.ofMinutes(2));
        // The router probes every 500 ms and wakes channels stuck in reconnect backoff: three answers in a row.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int inARow = 0;
        while (inARow < 3) {
            try {
                assertThat(generate(Mode.MODE_SPECULATIVE, null).text).isEqualTo(expected);
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

    /** One greedy generation of MAX_TOKENS; {@code midway} runs once KILL_AFTER tokens have arrived. */
    private Run generate(Mode mode, Action midway) throws Exception {
        Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.MINUTES)
                .generate(GenerateRequest.newBuilder().setPrompt(PROMPT).setMode(mode).setMaxTokens(MAX_TOKENS)
                        .setIgnoreEos(true).setSampling(SamplingParams.newBuilder().setTemperature(0)).build());
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        boolean acted = midway == null;
        GenerationSummary summary = null;
        while (events.hasNext()) {
            GenerateEvent event = events.next();
            if (event.hasSummary()) {
                summary = event.getSummary();
                break;
            }
            text.append(event.getChunk().getText());
            tokens += event.getChunk().getTokenIdsCount();
            if (!acted && tokens >= KILL_AFTER) {
                midway.run();
                acted = true;
            }
        }
        assertThat(acted).as("the kill happened mid-generation").isTrue();
        assertThat(tokens).as("tokens streamed").isEqualTo(MAX_TOKENS);
        assertThat(summary).isNotNull();
        return new Run(text.toString(), summary);
    }

    /**
     * The verifier holding the running request's session. Readiness probes open a one-token session for about a
     * millisecond every few seconds, so the answer counts only when exactly one replica has a session open.
     */
    private ServiceProcess servingVerifier() throws Exception {
        for (int i = 0; i < 100; i++) {
            boolean a = verifierA.metric("specula_verifier_open_sessions") > 0;
            boolean b = verifierB.metric("specula_verifier_open_sessions") > 0;
            if (a != b) {
                return a ? verifierA : verifierB;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("could not tell which verifier serves the request");
    }

    private void awaitZero(ServiceProcess verifier, String gauge) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double value = verifier.metric(gauge);
        while (value > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            value = verifier.metric(gauge);
        }
        assertThat(value).as(gauge + " on " + verifier.name).isZero();
    }

    private ServiceProcess track(ServiceProcess p) {
        processes.add(p);
        return p;
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private record Run(String text, GenerationSummary summary) {
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }
}
