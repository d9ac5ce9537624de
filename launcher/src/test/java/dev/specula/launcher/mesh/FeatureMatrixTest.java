package dev.specula.launcher.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.testing.ModelPair;
import dev.specula.proto.v1.DraftSourceKind;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RELIABILITY.md #19: no per-request feature combination may crash the speculative path. Every sampling setting
 * (greedy, temperature, top-k, top-p, seed, stop strings and stop token ids, and the unsupported penalties,
 * {@code logit_bias}, {@code min_p}, {@code min_tokens}, {@code n > 1}) crossed with every draft source (model,
 * ngram, hybrid) and every mode, through the HTTP API (and the gRPC door for what it carries) of the four
 * services in this JVM on test-tiny: each combination is served or refused with 400 / INVALID_ARGUMENT (the
 * unsupported ones always refused, naming the field), while another session streams greedy generations the whole
 * time and gets its exact expected output every time; afterwards the verifier still reports SERVING, holds no
 * session, and serves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureMatrixTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {";
    private static final int MAX_TOKENS = 6;
    private static final int BACKGROUND_TOKENS = 96;
    private static final List<String> MODES = List.of("speculative", "target-only", "draft-only", "entropy-adaptive",
            "cascade");
    private static final List<String> SOURCES = List.of("model", "ngram", "hybrid");
    /** Sampling settings the mesh supports: served, or at most refused with a 400 naming a field. */
    private static final Map<String, String> SUPPORTED = new LinkedHashMap<>();
    /** Settings the mesh cannot apply losslessly: always a 400 naming this field. */
    private static final Map<String, String> UNSUPPORTED = new LinkedHashMap<>();

    static {
        SUPPORTED.put("greedy", "\"temperature\":0");
        SUPPORTED.put("sampled", "\"temperature\":0.8,\"seed\":7");
        SUPPORTED.put("top-k", "\"temperature\":1.2,\"top_k\":5,\"seed\":11");
        SUPPORTED.put("top-p", "\"temperature\":0.9,\"top_p\":0.8,\"seed\":13");
        SUPPORTED.put("top-k+top-p, unseeded", "\"temperature\":0.7,\"top_k\":20,\"top_p\":0.95");
        SUPPORTED.put("stop strings", "\"temperature\":0,\"stop\":[\"a\",\" \",\"(\"],\"include_stop_str_in_output\":true");
        SUPPORTED.put("stop token ids", "\"temperature\":0.5,\"seed\":3,\"stop_token_ids\":[32,40,97]");
        SUPPORTED.put("ignore_eos", "\"temperature\":0,\"ignore_eos\":true");
        UNSUPPORTED.put("\"presence_penalty\":0.5", "presence_penalty");
        UNSUPPORTED.put("\"frequency_penalty\":-0.5", "frequency_penalty");
        UNSUPPORTED.put("\"repetition_penalty\":1.1", "repetition_penalty");
        UNSUPPORTED.put("\"logit_bias\":{\"97\":5}", "logit_bias");
        UNSUPPORTED.put("\"n\":2", "n");
        UNSUPPORTED.put("\"min_p\":0.05", "min_p");
        UNSUPPORTED.put("\"min_tokens\":2", "min_tokens");
    }

    private LocalMesh mesh;
    private ManagedChannel channel;
    private RouterClient client;
    private HttpClient http;

    @BeforeAll
    void start() {
        ModelPair pair = ModelPair.TEST_TINY;
        mesh = LocalMesh.start(new MeshOptions(pair.drafter(), pair.verifier(), 0, 0, "ERROR"));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", mesh.router().grpcPort()).usePlaintext().build();
        client = new RouterClient(channel, Duration.ofSeconds(60));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void everyCombinationIsServedOrRefusedWhileAnotherSessionKeepsStreaming() throws Exception {
        RemoteRequest background = new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, BACKGROUND_TOKENS,
                SamplingParams.GREEDY, 4, true);
        RemoteResult alone = client.generate(background.withMode(GenerationMode.TARGET_ONLY), piece -> true);
        assertThat(alone.completionTokens()).isEqualTo(BACKGROUND_TOKENS);

        AtomicBoolean matrixDone = new AtomicBoolean();
        CompletableFuture<List<RemoteResult>> streaming = CompletableFuture.supplyAsync(() -> {
            List<RemoteResult> results = new ArrayList<>();
            do {
                results.add(client.generate(background, piece -> true));
            } while (!matrixDone.get());
            return results;
        });

        Map<String, String> greedyLossless = new LinkedHashMap<>();
        int served = 0;
        int refused = 0;
        try {
            for (String mode : MODES) {
                for (String source : SOURCES) {
                    for (Map.Entry<String, String> sampling : SUPPORTED.entrySet()) {
                        String what = mode + " x " + source + " x " + sampling.getKey();
                        HttpResponse<String> response = post(mode, source, sampling.getValue());
                        assertThat(response.statusCode()).as("%s: %s", what, response.body()).isIn(200, 400);
                        JsonObject body = JsonParser.parseString(response.body()).getAsJsonObject();
                        if (response.statusCode() == 400) {
                            refused++;
                            assertThat(body.getAsJsonObject("error").get("param").isJsonNull()).as(what).isFalse();
                            continue;
                        }
                        served++;
                        JsonObject choice = body.getAsJsonArray("choices").get(0).getAsJsonObject();
                        assertThat(choice.get("finish_reason").getAsString()).as(what).isIn("stop", "length");
                        int tokens = body.getAsJsonObject("usage").get("completion_tokens").getAsInt();
                        assertThat(tokens).as(what).isBetween(sampling.getKey().startsWith("stop") ? 0 : 1,
                                MAX_TOKENS);
                        if (sampling.getKey().equals("greedy")
                                && (mode.equals("speculative") || mode.equals("target-only"))) {
                            greedyLossless.put(what, choice.get("text").getAsString());
                        }
                    }
                    for (Map.Entry<String, String> unsupported : UNSUPPORTED.entrySet()) {
                        String what = mode + " x " + source + " x " + unsupported.getKey();
                        HttpResponse<String> response = post(mode, source, unsupported.getKey());
                        assertThat(response.statusCode()).as("%s: %s", what, response.body()).isEqualTo(400);
                        assertThat(JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonObject("error")
                                .get("param").getAsString()).as(what).isEqualTo(unsupported.getValue());
                    }
                    for (SamplingParams sampling : List.of(SamplingParams.GREEDY, new SamplingParams(0.8, 5, 1.0, 7),
                            new SamplingParams(1.1, 0, 0.85, 9))) {
                        String what = "gRPC " + mode + " x " + source + " x " + sampling;
                        StatusRuntimeException error = grpc(mode, source, sampling);
                        if (error != null) {
                            refused++;
                            assertThat(error.getStatus().getCode()).as("%s: %s", what, error.getStatus())
                                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
                        } else {
                            served++;
                        }
                    }
                }
            }
        } finally {
            matrixDone.set(true);
        }

        List<RemoteResult> sessions = streaming.get(120, TimeUnit.SECONDS);
        assertThat(sessions).as("background sessions").isNotEmpty().allSatisfy(result -> {
            assertThat(result.tokenIds()).as("background session output").containsExactly(alone.tokenIds());
            assertThat(result.finishReason()).isEqualTo("length");
        });
        assertThat(served).as("combinations served").isPositive();
        assertThat(greedyLossless.values()).as("greedy lossless modes agree whatever the draft source")
                .hasSize(2 * SOURCES.size()).containsOnly(greedyLossless.values().iterator().next());
        theVerifierIsStillServing();
        System.out.printf("feature matrix: %d served, %d refused, %d background sessions%n", served, refused,
                sessions.size());
    }

    private void theVerifierIsStillServing() {
        VerifierEngine engine = mesh.verifier().context().getBean(VerifierEngine.class);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(engine.openSessions()).as("verifier sessions").isZero());
        ManagedChannel verifier = NettyChannelBuilder.forAddress("127.0.0.1", mesh.verifier().grpcPort())
                .usePlaintext().build();
        try {
            // The "verifier" health service is published from Actuator's health on a timer (first after a few
            // seconds): until then it is NOT_FOUND, which says nothing about the verifier.
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(20))
                    .ignoreException(StatusRuntimeException.class).untilAsserted(() -> assertThat(HealthGrpc.newBlockingStub(verifier)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.newBuilder().setService("verifier").build()).getStatus())
                            .isEqualTo(ServingStatus.SERVING));
        } finally {
            verifier.shutdownNow();
        }
        RemoteResult after = client.generate(new RemoteRequest(PROMPT, GenerationMode.TARGET_ONLY, 4,
                SamplingParams.GREEDY, 0, true), piece -> true);
        assertThat(after.completionTokens()).isEqualTo(4);
    }

    private HttpResponse<String> post(String mode, String source, String sampling) throws IOException,
            InterruptedException {
        String body = "{\"prompt\":\"" + PROMPT + "\",\"max_tokens\":" + MAX_TOKENS + ",\"mode\":\"" + mode
                + "\",\"draft_source\":\"" + source + "\"," + sampling + "}";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.routerHttpPort()
                        + "/v1/completions")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Null when the stream was served to its summary. */
    private StatusRuntimeException grpc(String mode, String source, SamplingParams sampling) {
        GenerateRequest request = GenerateRequest.newBuilder().setPrompt(PROMPT).setMaxTokens(MAX_TOKENS)
                .setMode(Mode.valueOf("MODE_" + mode.toUpperCase().replace('-', '_')))
                .setSampling(dev.specula.proto.v1.SamplingParams.newBuilder().setTemperature(sampling.temperature())
                        .setTopK(sampling.topK()).setTopP(sampling.topP()).setSeed(sampling.seed()))
                .setPolicy(SpeculationPolicy.newBuilder()
                        .setDraftSource(DraftSourceKind.valueOf("DRAFT_SOURCE_KIND_" + source.toUpperCase())))
                .build();
        try {
            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(request);
            GenerateEvent last = null;
            while (events.hasNext()) {
                last = events.next();
            }
            assertThat(last).isNotNull();
            assertThat(last.hasSummary()).isTrue();
            return null;
        } catch (StatusRuntimeException e) {
            return e;
        }
    }
}
