package dev.specula.launcher.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.testing.ModelPair;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The router's OpenAI-compatible HTTP API in front of the real mesh ({@code test-tiny} as drafter and verifier,
 * as {@code ./specula serve} runs it): the same greedy text as the gRPC front door, streamed chat with usage and
 * speculation stats, and the vLLM-named metrics moving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpFrontDoorMeshTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private LocalMesh mesh;
    private ManagedChannel channel;
    private HttpClient http;
    private String base;

    @BeforeAll
    void start() {
        ModelPair pair = ModelPair.TEST_TINY;
        mesh = LocalMesh.start(new MeshOptions(pair.drafter(), pair.verifier(), 0, 0, "WARN"));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", mesh.router().grpcPort()).usePlaintext().build();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        base = "http://127.0.0.1:" + mesh.routerHttpPort();
    }

    @AfterEach
    void theVerifierHasNoOpenSession() {
        VerifierEngine engine = mesh.verifier().context().getBean(VerifierEngine.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(engine.openSessions()).isZero());
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

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void greedyCompletionOverHttpEqualsTheGrpcRouter() throws Exception {
        RemoteResult grpc = new RouterClient(channel, Duration.ofSeconds(60)).generate(
                new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 24, SamplingParams.GREEDY, 4, true), t -> true);

        HttpResponse<String> response = post("/v1/completions", JSON.writeValueAsString(JSON.createObjectNode()
                .put("model", "specula-java-12m").put("prompt", PROMPT).put("max_tokens", 24).put("temperature", 0)
                .put("ignore_eos", true).put("draft_length", 4)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/choices/0/text").stringValue()).isEqualTo(grpc.text());
        assertThat(body.at("/choices/0/finish_reason").stringValue()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").intValue()).isEqualTo(24);
        assertThat(body.at("/usage/prompt_tokens").intValue()).isEqualTo(grpc.promptTokens());
        assertThat(body.at("/specula/mode").stringValue()).isEqualTo("speculative");
        // test-tiny drafts for itself: every drafted token is accepted.
        assertThat(body.at("/specula/acceptance_rate").doubleValue()).isEqualTo(1.0);
        assertThat(body.at("/specula/mean_accepted_length").doubleValue()).isGreaterThan(1.0);
    }

    @Test
    void policyFieldsInTheBodyChangeThePlanAndNotTheGreedyText() throws Exception {
        String prompt = "policy fields: int a = 1; int b = 2; int a = 1; int b = 2; int a = 1;";
        JsonNode plain = JSON.readTree(post("/v1/completions", JSON.writeValueAsString(JSON.createObjectNode()
                .put("prompt", prompt).put("max_tokens", 20).put("temperature", 0).put("ignore_eos", true))).body());
        HttpResponse<String> response = post("/v1/completions", JSON.writeValueAsString(JSON.createObjectNode()
                .put("prompt", prompt).put("max_tokens", 20).put("temperature", 0).put("ignore_eos", true)
                .put("draft_source", "ngram").put("ngram_min", 2).put("ngram_max", 8)
                .put("draft_length_mode", "adaptive").put("max_draft_length", 6).put("stop_threshold", 0.2)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(plain.at("/specula/draft_source").stringValue()).as("the router's default").isEqualTo("model");
        assertThat(plain.at("/specula/draft_length_mode").stringValue()).isEqualTo("fixed");
        assertThat(body.at("/specula/draft_source").stringValue()).isEqualTo("ngram");
        assertThat(body.at("/specula/draft_length_mode").stringValue()).isEqualTo("adaptive");
        assertThat(body.at("/choices/0/text").stringValue()).as("lossless: same greedy text")
                .isEqualTo(plain.at("/choices/0/text").stringValue());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"draft_source:\"magic\"", "draft_length_mode:\"sometimes\"", "max_draft_length:99",
            "max_draft_length:0", "stop_threshold:1.5", "entropy_window:0", "entropy_threshold:-1",
            "cascade_metric:\"vibes\"", "cascade_threshold:-0.5", "ngram_min:\"two\""})
    void aBadPolicyFieldIsA400NamingIt(String field) throws Exception {
        String name = field.substring(0, field.indexOf(':'));
        String body = "{\"prompt\":\"x\",\"max_tokens\":2,\"" + name + "\"" + field.substring(name.length())
                + "}";

        HttpResponse<String> response = post("/v1/completions", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").stringValue()).isEqualTo(name);
    }

    @Test
    void streamedChatThroughTheMeshIsWellFramedAndCounted() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Write gcd in Java.\"}],\"max_tokens\":16,\"temperature\":0,\"ignore_eos\":true,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String[] blocks = response.body().split("\n\n");
        assertThat(blocks[blocks.length - 1]).isEqualTo("data: [DONE]");
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i < blocks.length - 1; i++) {
            assertThat(blocks[i]).startsWith("data: ");
            events.add(JSON.readTree(blocks[i].substring(6)));
        }
        assertThat(events.get(0).at("/choices/0/delta/role").stringValue()).isEqualTo("assistant");
        long finishes = events.stream().filter(e -> e.at("/choices/0/finish_reason").isString()).count();
        assertThat(finishes).isEqualTo(1);
        JsonNode usage = events.get(events.size() - 1);
        assertThat(usage.get("choices").isEmpty()).isTrue();
        assertThat(usage.at("/usage/completion_tokens").intValue()).isEqualTo(16);

        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("vllm:generation_tokens_total{").contains("vllm:spec_decode_num_drafts_total{")
                .contains("vllm:time_to_first_token_seconds_count{");
        assertThat(metrics).doesNotContain("vllm:spec_decode_num_drafts_total{engine=\"0\",model_name=\"specula-java-12m\"} 0.0");
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(strings = {"speculative", "target-only"})
    void aRepeatedPromptReportsTheTokensTheVerifierTookFromItsCache(String mode) throws Exception {
        // A prompt of its own (several KV blocks long) so no other test warmed the cache for it.
        String prompt = mode + ": cached-tokens probe\n" + "int x = 1; ".repeat(12);
        String body = JSON.writeValueAsString(JSON.createObjectNode().put("prompt", prompt).put("max_tokens", 4)
                .put("temperature", 0).put("ignore_eos", true).put("mode", mode));

        JsonNode first = JSON.readTree(post("/v1/completions", body).body());
        theVerifierHasNoOpenSession(); // its blocks are published when the session closes, after the response
        JsonNode second = JSON.readTree(post("/v1/completions", body).body());

        int promptTokens = first.at("/usage/prompt_tokens").intValue();
        assertThat(first.at("/usage/prompt_tokens_details/cached_tokens").intValue()).isZero();
        assertThat(second.at("/usage/prompt_tokens_details/cached_tokens").intValue())
                .isPositive().isLessThan(promptTokens);
    }
}
