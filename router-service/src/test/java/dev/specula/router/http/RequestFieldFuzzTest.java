package dev.specula.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.router.RouterApplication;
import dev.specula.router.testing.FakeMesh;
import dev.specula.router.testing.Http;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * RELIABILITY.md #18 on both front doors of a real router (Tomcat and gRPC on loopback, scripted backends): every
 * kind of bad field (inconsistent, negative, huge, wrong type, token id outside the vocabulary) is refused naming
 * the field, and the valid request sent right after each refusal is served in full, so a refusal that silently
 * wedged a worker would show at once. Then a seeded fuzz gives each field random values of every JSON type (HTTP)
 * or of its proto type (gRPC): each answer is a success or a 4xx / INVALID_ARGUMENT naming that field, never a 5xx
 * or UNKNOWN, and the router still serves and reports UP afterwards.
 */
@SpringBootTest(classes = RouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.config.name=router",
                "spring.grpc.server.port=0",
                "specula.router.served-model-name=test-tiny",
                "logging.level.root=ERROR"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestFieldFuzzTest {
    static final Path MODEL = Path.of("../models/test-tiny").toAbsolutePath().normalize();
    static final TextTokenizer TOKENIZER = TextTokenizer.load(ModelFolder.open(MODEL));
    static final String OUTPUT = "Hello, world! The quick brown fox jumps over the lazy dog.";
    static final FakeMesh MESH = new FakeMesh();
    static final long SEED = 0x5EC01AL;
    static final int HTTP_REQUESTS = 300;
    static final int GRPC_REQUESTS = 300;
    static final String VALID = "{\"model\":\"test-tiny\",\"prompt\":\"Say hello\",\"max_tokens\":8,\"temperature\":0}";

    @LocalServerPort
    int port;

    @Autowired
    GrpcServerLifecycle grpcServer;

    private ManagedChannel channel;

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("spring.grpc.client.channel.drafter.target", MESH::target);
        registry.add("spring.grpc.client.channel.verifier.target", MESH::target);
        registry.add("specula.router.model-path", MODEL::toString);
    }

    @BeforeAll
    void connect() {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcServer.getPort()).usePlaintext().build();
    }

    @AfterAll
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        MESH.close();
    }

    @BeforeEach
    void scriptedOutput() {
        MESH.reset(TOKENIZER.encode(OUTPUT));
    }

    @AfterEach
    void theRouterIsStillHealthyAndServesBothDoors() {
        HttpResponse<String> health = http().get("/actuator/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(Http.json(health.body()).get("status").stringValue()).isEqualTo("UP");
        assertValidHttpRequestServed("the end of the test");
        assertValidGrpcRequestServed("the end of the test");
    }

    Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    /** {@code {"prompt":"x","max_tokens":4, <extra>}} */
    private static String body(String extra) {
        return "{\"prompt\":\"x\",\"max_tokens\":4," + extra + "}";
    }

    @Test
    void everyKindOfBadFieldIsRefusedNamingItAndTheNextValidRequestSucceeds() {
        Map<String, String> refused = new LinkedHashMap<>(); // body -> param (status 400 unless noted)
        // Inconsistent fields.
        refused.put(body("\"min_tokens\":5"), "min_tokens");
        refused.put("{\"prompt\":\"x\",\"max_tokens\":4,\"max_completion_tokens\":0}", "max_completion_tokens");
        refused.put("{\"prompt\":\"x\",\"stream_options\":{\"include_usage\":true}}", "stream_options");
        refused.put("{\"prompt\":\"" + "a".repeat(2000) + "\",\"max_tokens\":2000}", "max_tokens");
        refused.put(body("\"draft_source\":\"ngram\",\"ngram_min\":0"), "ngram_min");
        // Negative values.
        refused.put("{\"prompt\":\"x\",\"max_tokens\":-1}", "max_tokens");
        refused.put(body("\"min_tokens\":-1"), "min_tokens");
        refused.put(body("\"temperature\":-0.5"), "temperature");
        refused.put(body("\"top_p\":-0.1"), "top_p");
        refused.put(body("\"top_k\":-7"), "top_k");
        refused.put(body("\"draft_length\":-3"), "draft_length");
        refused.put(body("\"max_draft_length\":-1"), "max_draft_length");
        refused.put(body("\"entropy_window\":-8"), "entropy_window");
        refused.put(body("\"entropy_threshold\":-1"), "entropy_threshold");
        refused.put(body("\"cascade_threshold\":-1"), "cascade_threshold");
        refused.put(body("\"stop_threshold\":-0.01"), "stop_threshold");
        refused.put(body("\"presence_penalty\":-3"), "presence_penalty");
        // Huge values.
        refused.put("{\"prompt\":\"x\",\"max_tokens\":2147483647}", "max_tokens");
        refused.put("{\"prompt\":\"x\",\"max_tokens\":99999999999999999999}", "max_tokens");
        refused.put(body("\"temperature\":1e400"), "temperature");
        refused.put(body("\"seed\":184467440737095516160"), "seed");
        refused.put(body("\"draft_length\":1000000"), "draft_length");
        refused.put(body("\"max_draft_length\":2147483647"), "max_draft_length");
        refused.put(body("\"top_logprobs\":1,\"logprobs\":1000000"), "logprobs");
        refused.put(body("\"n\":1000000"), "n");
        refused.put(body("\"best_of\":2147483647"), "best_of");
        refused.put(body("\"stop_token_ids\":[" + "1,".repeat(100) + "1]"), "stop_token_ids");
        refused.put(body("\"stop\":[" + "\"s\",".repeat(40) + "\"s\"]"), "stop");
        refused.put(body("\"stop\":\"" + "s".repeat(1000) + "\""), "stop");
        refused.put(body("\"cascade_threshold\":1e400"), "cascade_threshold");
        // Wrong types.
        refused.put("{\"prompt\":\"x\",\"max_tokens\":4.5}", "max_tokens");
        refused.put("{\"prompt\":\"x\",\"max_tokens\":true}", "max_tokens");
        refused.put(body("\"temperature\":\"hot\""), "temperature");
        refused.put(body("\"top_k\":[1]"), "top_k");
        refused.put(body("\"seed\":\"42\""), "seed");
        refused.put(body("\"stream\":\"yes\""), "stream");
        refused.put(body("\"ignore_eos\":1"), "ignore_eos");
        refused.put(body("\"mode\":7"), "mode");
        refused.put(body("\"mode\":\"warp\""), "mode");
        refused.put(body("\"draft_source\":{\"kind\":\"model\"}"), "draft_source");
        refused.put(body("\"draft_length_mode\":\"sometimes\""), "draft_length_mode");
        refused.put(body("\"cascade_metric\":null,\"entropy_window\":\"8\""), "entropy_window");
        refused.put(body("\"stop\":[1,2]"), "stop");
        refused.put(body("\"stop_token_ids\":\"1\""), "stop_token_ids");
        refused.put(body("\"logit_bias\":{\"5\":100}"), "logit_bias");
        refused.put(body("\"response_format\":{\"type\":\"json_object\"}"), "response_format");
        refused.put("{\"prompt\":{\"text\":\"x\"}}", "prompt");
        refused.put("{\"prompt\":[[1,2],[3]]}", "prompt");
        // Token ids outside the vocabulary (prompt ids and stop ids).
        refused.put("{\"prompt\":[1,2,1000000],\"max_tokens\":4}", "prompt");
        refused.put("{\"prompt\":[-1],\"max_tokens\":4}", "prompt");
        refused.put("{\"prompt\":[2147483648],\"max_tokens\":4}", "prompt");
        refused.put(body("\"stop_token_ids\":[-1]"), "stop_token_ids");
        refused.put(body("\"stop_token_ids\":[1000000]"), "stop_token_ids");
        // Unsupported parameters that would change the distribution.
        refused.put(body("\"repetition_penalty\":0.5"), "repetition_penalty");
        refused.put(body("\"frequency_penalty\":1"), "frequency_penalty");
        refused.put(body("\"min_p\":0.5"), "min_p");
        refused.put(body("\"suffix\":\"end\""), "suffix");

        for (Map.Entry<String, String> request : refused.entrySet()) {
            HttpResponse<String> response = http().post("/v1/completions", request.getKey());
            String what = String.format("%.120s", request.getKey());
            assertThat(response.statusCode()).as("%s: %s", what, response.body()).isEqualTo(400);
            JsonNode error = Http.json(response.body()).get("error");
            assertThat(error.get("param").stringValue()).as(what).isEqualTo(request.getValue());
            assertThat(error.get("type").stringValue()).as(what).isEqualTo("invalid_request_error");
            assertThat(MESH.draftRequests).as("%s reaches no backend", what).isEmpty();
            assertThat(MESH.targetRequests).as("%s reaches no backend", what).isEmpty();
            assertValidHttpRequestServed(what);
        }
    }

    /** Random values of every JSON type for each field, alone on an otherwise valid request. */
    @Test
    void seededFuzzOfEachHttpFieldAnswersSuccessOrA4xxNamingTheField() {
        List<String> fields = List.of("max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed",
                "min_p", "repetition_penalty", "presence_penalty", "frequency_penalty", "min_tokens", "n", "best_of",
                "logprobs", "stop", "stop_token_ids", "ignore_eos", "include_stop_str_in_output", "mode",
                "draft_length", "draft_source", "draft_length_mode", "max_draft_length", "stop_threshold",
                "ngram_min", "ngram_max", "entropy_window", "entropy_threshold", "cascade_metric",
                "cascade_threshold", "prompt", "echo", "logit_bias", "suffix", "response_format", "stream",
                "stream_options", "model");
        Random random = new Random(SEED);
        int served = 0;
        int refused = 0;
        for (int i = 0; i < HTTP_REQUESTS; i++) {
            String field = fields.get(random.nextInt(fields.size()));
            String value = jsonValue(random, field);
            String request = field.equals("prompt") ? "{\"prompt\":" + value + ",\"max_tokens\":4}"
                    : body("\"" + field + "\":" + value);
            String what = String.format("seed %x, request %d: %.160s", SEED, i, request);
            HttpResponse<String> response = http().post("/v1/completions", request);
            if (response.statusCode() == 200) {
                served++;
                continue;
            }
            refused++;
            assertThat(response.statusCode()).as("%s -> %s", what, response.body()).isBetween(400, 499);
            JsonNode error = Http.json(response.body()).get("error");
            assertThat(error.get("param").stringValue()).as("%s -> %s", what, response.body())
                    .satisfiesAnyOf(p -> assertThat(p).startsWith(field),
                            p -> assertThat(field).isEqualTo("prompt"),
                            p -> assertThat(p).isEqualTo("input_tokens"));
            assertValidHttpRequestServed(what);
        }
        assertThat(served).as("the fuzz also produces valid requests").isPositive();
        assertThat(refused).as("and refused ones").isPositive();
    }

    /** Random values of each proto field, alone on an otherwise valid Router/Generate request. */
    @Test
    void seededFuzzOfEachGrpcFieldAnswersOkOrInvalidArgumentNamingTheField() {
        Map<String, BiConsumer<GenerateRequest.Builder, Random>> fields = new LinkedHashMap<>();
        fields.put("prompt", (b, r) -> b.setPrompt(r.nextInt(4) == 0 ? "" : randomString(r, 1 + r.nextInt(40))));
        fields.put("mode", (b, r) -> b.setModeValue(r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(8)));
        fields.put("max_tokens", (b, r) -> b.setMaxTokens(randomInt(r)));
        fields.put("temperature", (b, r) -> b.setSampling(SamplingParams.newBuilder().setTemperature(randomDouble(r))));
        fields.put("top_k", (b, r) -> b.setSampling(SamplingParams.newBuilder().setTopK(randomInt(r))));
        fields.put("top_p", (b, r) -> b.setSampling(SamplingParams.newBuilder().setTopP(randomDouble(r))));
        fields.put("seed", (b, r) -> b.setSampling(SamplingParams.newBuilder().setSeed(r.nextLong())));
        fields.put("draft_length", (b, r) -> b.setDraftLength(randomInt(r)));
        fields.put("ignore_eos", (b, r) -> b.setIgnoreEos(r.nextBoolean()));
        fields.put("draft_source", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setDraftSourceValue(r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(6))));
        fields.put("draft_length_mode", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setDraftLengthModeValue(r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(5))));
        fields.put("max_draft_length", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setMaxDraftLength(randomInt(r))));
        fields.put("stop_threshold", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setStopThreshold(randomDouble(r))));
        fields.put("ngram_min", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder().setNgramMin(randomInt(r))));
        fields.put("ngram_max", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder().setNgramMax(randomInt(r))));
        fields.put("entropy_window", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setEntropyWindow(randomInt(r))));
        fields.put("entropy_threshold", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setEntropyThreshold(randomDouble(r))));
        fields.put("cascade_metric", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setCascadeMetricValue(r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(5))));
        fields.put("cascade_threshold", (b, r) -> b.setPolicy(SpeculationPolicy.newBuilder()
                .setCascadeThreshold(randomDouble(r))));
        List<String> names = List.copyOf(fields.keySet());
        Random random = new Random(SEED);
        int served = 0;
        int refused = 0;
        for (int i = 0; i < GRPC_REQUESTS; i++) {
            String field = names.get(random.nextInt(names.size()));
            GenerateRequest.Builder request = GenerateRequest.newBuilder().setPrompt("Say hello").setMaxTokens(4);
            fields.get(field).accept(request, random);
            String what = String.format("seed %x, request %d, %s: %s", SEED, i, field, request.build())
                    .replace('\n', ' ');
            StatusRuntimeException error = generate(request.build());
            if (error == null) {
                served++;
                continue;
            }
            refused++;
            assertThat(error.getStatus().getCode()).as("%s -> %s", what, error.getStatus())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(error.getStatus().getDescription()).as("%s -> %s", what, error.getStatus()).contains(field);
            assertValidGrpcRequestServed(what);
        }
        assertThat(served).as("the fuzz also produces valid requests").isPositive();
        assertThat(refused).as("and refused ones").isPositive();
    }

    /** Null when the whole stream was served and ended with a summary. */
    private StatusRuntimeException generate(GenerateRequest request) {
        try {
            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).generate(request);
            GenerateEvent last = null;
            while (events.hasNext()) {
                last = events.next();
            }
            assertThat(last).isNotNull();
            assertThat(last.hasSummary()).as("a served stream ends with its summary").isTrue();
            return null;
        } catch (StatusRuntimeException e) {
            return e;
        }
    }

    private void assertValidHttpRequestServed(String after) {
        MESH.reset(TOKENIZER.encode(OUTPUT));
        HttpResponse<String> served = http().post("/v1/completions", VALID);
        assertThat(served.statusCode()).as("valid request after %s: %s", after, served.body()).isEqualTo(200);
        assertThat(Http.json(served.body()).at("/choices/0/text").stringValue()).isEqualTo(OUTPUT.substring(0, 8));
        MESH.reset(TOKENIZER.encode(OUTPUT));
    }

    private void assertValidGrpcRequestServed(String after) {
        MESH.reset(TOKENIZER.encode(OUTPUT));
        StringBuilder text = new StringBuilder();
        Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder().setPrompt("Say hello").setMaxTokens(8).build());
        GenerateEvent last = null;
        while (events.hasNext()) {
            last = events.next();
            text.append(last.getChunk().getText());
        }
        assertThat(text.toString()).as("valid request after %s", after).isEqualTo(OUTPUT.substring(0, 8));
        assertThat(last.getSummary().getCompletionTokens()).isEqualTo(8);
        MESH.reset(TOKENIZER.encode(OUTPUT));
    }

    /** A JSON value of a random type; numbers favour the edges (0, ±1, limits, beyond int and double). */
    private static String jsonValue(Random r, String field) {
        return switch (r.nextInt(10)) {
            case 0 -> "null";
            case 1 -> Boolean.toString(r.nextBoolean());
            case 2 -> Integer.toString(randomInt(r));
            case 3 -> List.of("99999999999999999999", "-99999999999999999999", "1e400", "-1e400", "1e-400",
                    "9223372036854775808", "4294967296", "2147483648").get(r.nextInt(8));
            case 4 -> Double.toString(randomDouble(r)).replace("Infinity", "1e999").replace("NaN", "0.5");
            case 5 -> "\"" + randomString(r, r.nextInt(12)).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case 6 -> "\"" + List.of("model", "ngram", "hybrid", "fixed", "adaptive", "mean_entropy",
                    "min_probability", "speculative", "target-only", "draft-only", "entropy-adaptive", "cascade",
                    "text", "test-tiny").get(r.nextInt(14)) + "\"";
            case 7 -> "[" + Integer.toString(randomInt(r)) + (r.nextBoolean() ? "," + randomInt(r) : "") + "]";
            case 8 -> r.nextBoolean() ? "[\"" + randomString(r, 1 + r.nextInt(4)).replace("\\", "").replace("\"", "")
                    + "\"]" : "[[1],\"x\",{}]";
            default -> r.nextBoolean() ? "{}" : "{\"" + field + "\":" + randomInt(r) + ",\"type\":\"text\"}";
        };
    }

    private static int randomInt(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> List.of(0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 2048, 2049, 16, 17).get(r.nextInt(9));
            case 1 -> -r.nextInt(1000);
            case 2 -> r.nextInt();
            default -> r.nextInt(40);
        };
    }

    private static double randomDouble(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> List.of(0.0, 1.0, -0.0, 1.0000001, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE,
                    Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY).get(r.nextInt(10));
            case 1 -> -r.nextDouble() * 10;
            case 2 -> r.nextDouble() * 1e6;
            default -> r.nextDouble() * 2;
        };
    }

    private static String randomString(Random r, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = r.nextInt(10);
            s.appendCodePoint(kind < 7 ? 32 + r.nextInt(95) : kind < 9 ? 0xA0 + r.nextInt(0x2000) : 0x1F600 + r.nextInt(80));
        }
        return s.toString();
    }
}
