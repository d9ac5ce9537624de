package dev.specula.router.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.proto.v1.Mode;
import dev.specula.router.RouterApplication;
import dev.specula.router.testing.FakeMesh;
import dev.specula.router.testing.Http;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAI-compatible API of a real router (Tomcat on a random port) against scripted backends over loopback
 * gRPC: response and SSE shapes, usage, stop handling, errors and statuses, client disconnects, and the golden
 * {@code /metrics} names.
 */
@SpringBootTest(classes = RouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.config.name=router",
                "spring.grpc.server.port=0",
                "specula.router.served-model-name=test-tiny",
                "specula.router.http.keep-alive-interval=300ms",
                "logging.level.root=WARN"})
class OpenAiApiTest {
    static final Path MODEL = Path.of("../models/test-tiny").toAbsolutePath().normalize();
    static final TextTokenizer TOKENIZER = TextTokenizer.load(ModelFolder.open(MODEL));
    static final String OUTPUT = "Hello, world! The quick brown fox jumps over the lazy dog.";
    static final FakeMesh MESH = new FakeMesh();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("spring.grpc.client.channel.drafter.target", MESH::target);
        registry.add("spring.grpc.client.channel.verifier.target", MESH::target);
        registry.add("specula.router.model-path", MODEL::toString);
    }

    @AfterAll
    static void stopMesh() throws InterruptedException {
        MESH.close();
    }

    @BeforeEach
    void scriptedOutput() {
        MESH.reset(TOKENIZER.encode(OUTPUT));
    }

    Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    @Test
    void completionReturnsTextUsageAndSpeculationStats() {
        HttpResponse<String> response = http().post("/v1/completions",
                "{\"model\":\"test-tiny\",\"prompt\":\"Say hello\",\"max_tokens\":100,\"temperature\":0}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        JsonNode body = Http.json(response.body());
        assertThat(body.get("object").stringValue()).isEqualTo("text_completion");
        assertThat(body.get("id").stringValue()).startsWith("cmpl-");
        assertThat(body.get("model").stringValue()).isEqualTo("test-tiny");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").intValue()).isZero();
        assertThat(choice.get("text").stringValue()).isEqualTo(OUTPUT);
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("stop");
        int promptTokens = TOKENIZER.encode("Say hello").length;
        assertThat(body.get("usage").get("prompt_tokens").intValue()).isEqualTo(promptTokens);
        assertThat(body.get("usage").get("completion_tokens").intValue()).isEqualTo(TOKENIZER.encode(OUTPUT).length);
        assertThat(body.get("usage").get("total_tokens").intValue())
                .isEqualTo(promptTokens + TOKENIZER.encode(OUTPUT).length);
        JsonNode specula = body.get("specula");
        assertThat(specula.get("mode").stringValue()).isEqualTo("speculative");
        assertThat(specula.get("acceptance_rate").doubleValue()).isEqualTo(0.5);
        assertThat(specula.get("mean_accepted_length").doubleValue()).isEqualTo(3.0);
        assertThat(specula.get("fallback_reason").isNull()).isTrue();
        // The internal id is a server-generated UUIDv7, echoed when the client sends none.
        UUID id = UUID.fromString(response.headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(id.version()).isEqualTo(7);
        assertThat(MESH.draftRequests).singleElement().satisfies(r -> {
            assertThat(r.getMaxNewTokens()).isEqualTo(100);
            assertThat(r.getTenant()).isEqualTo("default");
            assertThat(r.getSampling().getTemperature()).isZero();
        });
    }

    @Test
    void completionsDefaultToSixteenTokensAndEchoTheClientRequestId() {
        HttpResponse<String> response = http().post("/v1/completions",
                "{\"prompt\":\"Say hello\",\"temperature\":0}", "X-Request-Id", "client-42");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode choice = Http.json(response.body()).get("choices").get(0);
        assertThat(choice.get("text").stringValue()).isEqualTo(OUTPUT.substring(0, 16));
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("length");
        assertThat(response.headers().firstValue("X-Request-Id")).contains("client-42");
        assertThat(Http.json(response.body()).get("id").stringValue()).doesNotContain("client-42");
        assertThat(MESH.draftRequests.get(0).getMaxNewTokens()).isEqualTo(16);
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokens() {
        HttpResponse<String> response = http().post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":40,"
                        + "\"max_completion_tokens\":5}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(MESH.draftRequests.get(0).getMaxNewTokens()).isEqualTo(5);
        assertThat(Http.json(response.body()).at("/choices/0/finish_reason").stringValue()).isEqualTo("length");
    }

    @Test
    void streamedCompletionIsFramedAsVllmDoesWithUsageLast() {
        HttpResponse<String> response = http().post("/v1/completions",
                "{\"prompt\":\"Say hello\",\"max_tokens\":100,\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}",
                "Accept", "application/json", "Content-Type", "application/json; charset=utf-8");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("text/event-stream");
        Http.Sse sse = Http.sse(response.body());
        List<JsonNode> events = sse.events();
        StringBuilder text = new StringBuilder();
        int finishes = 0;
        Set<String> ids = new HashSet<>();
        Set<Long> created = new HashSet<>();
        for (JsonNode event : events.subList(0, events.size() - 1)) {
            assertThat(event.get("object").stringValue()).isEqualTo("text_completion");
            ids.add(event.get("id").stringValue());
            created.add(event.get("created").longValue());
            JsonNode choice = event.get("choices").get(0);
            text.append(choice.get("text").stringValue());
            if (!choice.get("finish_reason").isNull()) {
                finishes++;
                assertThat(choice.get("finish_reason").stringValue()).isEqualTo("stop");
                assertThat(event.get("specula").get("mode").stringValue()).isEqualTo("speculative");
            }
        }
        assertThat(text.toString()).isEqualTo(OUTPUT);
        assertThat(finishes).isEqualTo(1);
        JsonNode usage = events.get(events.size() - 1);
        assertThat(usage.get("choices").isEmpty()).isTrue();
        assertThat(usage.get("usage").get("completion_tokens").intValue()).isEqualTo(TOKENIZER.encode(OUTPUT).length);
        ids.add(usage.get("id").stringValue());
        created.add(usage.get("created").longValue());
        assertThat(ids).hasSize(1);
        assertThat(created).hasSize(1);
        // One SSE event per token by default: event sizes say nothing about accepted draft lengths.
        assertThat(events.subList(0, events.size() - 2))
                .allSatisfy(e -> assertThat(e.at("/choices/0/text").stringValue()).hasSize(1));
    }

    @Test
    void streamedChatStartsWithTheRoleAndRendersTheModelsChatTemplate() {
        HttpResponse<String> response = http().post("/v1/chat/completions",
                "{\"model\":\"test-tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]}],"
                        + "\"stream\":true,\"stream_options\":{}}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> events = Http.sse(response.body()).events();
        JsonNode first = events.get(0);
        assertThat(first.get("object").stringValue()).isEqualTo("chat.completion.chunk");
        assertThat(first.at("/choices/0/delta/role").stringValue()).isEqualTo("assistant");
        assertThat(first.at("/choices/0/delta/content").stringValue()).isEmpty();
        StringBuilder text = new StringBuilder();
        int finishes = 0;
        for (JsonNode event : events.subList(1, events.size() - 1)) {
            JsonNode choice = event.get("choices").get(0);
            if (choice.get("delta").has("content")) {
                text.append(choice.get("delta").get("content").stringValue());
            }
            if (!choice.get("finish_reason").isNull()) {
                finishes++;
            }
        }
        assertThat(text.toString()).isEqualTo(OUTPUT);
        assertThat(finishes).isEqualTo(1);
        // stream_options {} reads as include_usage = true (vLLM).
        assertThat(events.get(events.size() - 1).get("usage").get("prompt_tokens").intValue()).isPositive();
        int[] prompt = MESH.draftRequests.get(0).getPromptTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
        assertThat(TOKENIZER.decode(prompt, false)).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void chatCompletionHasMessageAndUsage() {
        HttpResponse<String> response = http().post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"mode\":\"target-only\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Http.json(response.body());
        assertThat(body.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/role").stringValue()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/message/content").stringValue()).isEqualTo(OUTPUT);
        assertThat(body.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        assertThat(body.at("/usage/total_tokens").intValue()).isEqualTo(body.at("/usage/prompt_tokens").intValue()
                + body.at("/usage/completion_tokens").intValue());
        assertThat(body.at("/specula/mode").stringValue()).isEqualTo("target-only");
        assertThat(MESH.targetRequests).hasSize(1);
        assertThat(MESH.draftRequests).isEmpty();
    }

    @Test
    void stopStringsAndStopTokenIdsEndTheOutputAndTheBackendCall() {
        JsonNode stopString = Http.json(http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":100,\"stop\":[\"world\",\"fox\"]}").body());
        assertThat(stopString.at("/choices/0/text").stringValue()).isEqualTo("Hello, ");
        assertThat(stopString.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        assertThat(stopString.at("/usage/completion_tokens").intValue()).isEqualTo(TOKENIZER.encode("Hello, world").length);

        JsonNode included = Http.json(http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":100,\"stop\":\"world\",\"include_stop_str_in_output\":true}").body());
        assertThat(included.at("/choices/0/text").stringValue()).isEqualTo("Hello, world");

        int comma = TOKENIZER.encode(",")[0];
        JsonNode stopToken = Http.json(http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":100,\"stop_token_ids\":[" + comma + "]}").body());
        assertThat(stopToken.at("/choices/0/text").stringValue()).isEqualTo("Hello");
        assertThat(stopToken.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");

        HttpResponse<String> streamed = http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":100,\"stop\":[\"quick\"],\"stream\":true}");
        StringBuilder text = new StringBuilder();
        for (JsonNode event : Http.sse(streamed.body()).events()) {
            text.append(event.at("/choices/0/text").stringValue());
        }
        assertThat(text.toString()).isEqualTo("Hello, world! The ");
    }

    @Test
    void unknownFieldsAreIgnored() {
        HttpResponse<String> response = http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":4,\"user\":\"u1\",\"cache_salt\":\"s\",\"guided_json\":null,"
                        + "\"something_new\":{\"nested\":[1,2,3]},\"top_k\":-1,\"seed\":7,\"ignore_eos\":true,"
                        + "\"min_tokens\":0,\"min_p\":0,\"repetition_penalty\":1.0,\"n\":1,\"draft_length\":6}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(MESH.draftRequests.get(0).getIgnoreEos()).isTrue();
        assertThat(MESH.draftRequests.get(0).getDraftLength()).isEqualTo(6);
        assertThat(MESH.draftRequests.get(0).getSampling().getSeed()).isEqualTo(7);
    }

    @ParameterizedTest(name = "{0} -> {1} param {2}")
    @CsvSource(delimiter = '|', value = {
            "{\"prompt\":\"x\",\"max_tokens\":0}|400|max_tokens",
            "{\"prompt\":\"x\",\"max_tokens\":100000}|400|max_tokens",
            "{\"prompt\":\"x\",\"max_tokens\":\"ten\"}|400|max_tokens",
            "{\"prompt\":\"x\",\"temperature\":-1}|400|temperature",
            "{\"prompt\":\"x\",\"top_p\":0}|400|top_p",
            "{\"prompt\":\"x\",\"top_k\":-2}|400|top_k",
            "{\"prompt\":\"x\",\"min_p\":0.1}|400|min_p",
            "{\"prompt\":\"x\",\"repetition_penalty\":1.2}|400|repetition_penalty",
            "{\"prompt\":\"x\",\"min_tokens\":3,\"max_tokens\":8}|400|min_tokens",
            "{\"prompt\":\"x\",\"min_tokens\":9,\"max_tokens\":8}|400|min_tokens",
            "{\"prompt\":\"x\",\"stream_options\":{\"include_usage\":true}}|400|stream_options",
            "{\"prompt\":\"x\",\"n\":2}|400|n",
            "{\"prompt\":\"x\",\"logprobs\":1}|400|logprobs",
            "{\"prompt\":\"x\",\"mode\":\"bogus\"}|400|mode",
            "{\"prompt\":\"x\",\"draft_length\":99}|400|draft_length",
            "{\"prompt\":\"x\",\"stop_token_ids\":[100000]}|400|stop_token_ids",
            "{\"prompt\":[\"a\",\"b\"]}|400|prompt",
            "{\"prompt\":\"\"}|400|prompt",
            "{\"max_tokens\":3}|400|prompt",
            "{\"prompt\":\"x\",\"model\":\"gpt-4\"}|404|model"})
    void invalidRequestsGetAnOpenAiErrorNamingTheField(String body, int status, String param) {
        HttpResponse<String> response = http().post("/v1/completions", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = Http.json(response.body()).get("error");
        assertThat(error.get("param").stringValue()).isEqualTo(param);
        assertThat(error.get("message").stringValue()).isNotBlank();
        assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
        assertThat(error.has("code")).isTrue();
        assertThat(MESH.draftRequests).isEmpty();
    }

    @Test
    void contextLimitsNameInputTokensOrMaxTokens() {
        String longPrompt = "a".repeat(2100);
        JsonNode alone = Http.json(http().post("/v1/completions", "{\"prompt\":\"" + longPrompt + "\"}").body());
        assertThat(alone.at("/error/param").stringValue()).isEqualTo("input_tokens");
        JsonNode withMax = Http.json(http().post("/v1/completions",
                "{\"prompt\":\"" + "a".repeat(2000) + "\",\"max_tokens\":100}").body());
        assertThat(withMax.at("/error/param").stringValue()).isEqualTo("max_tokens");
    }

    @Test
    void chatRefusesNonTextContentToolsAndLogprobs() {
        HttpResponse<String> image = http().post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is this\"},"
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://10.0.0.1/x.png\"}}]}]}");
        assertThat(image.statusCode()).isEqualTo(400);
        assertThat(Http.json(image.body()).at("/error/param").stringValue()).isEqualTo("messages[0].content[1]");

        HttpResponse<String> file = http().post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":\"f\"}}]}]}");
        assertThat(file.statusCode()).isEqualTo(400);

        HttpResponse<String> topLogprobs = http().post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_logprobs\":2}");
        assertThat(Http.json(topLogprobs.body()).at("/error/param").stringValue()).isEqualTo("top_logprobs");

        HttpResponse<String> emptyMessages = http().post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(Http.json(emptyMessages.body()).at("/error/param").stringValue()).isEqualTo("messages");
        assertThat(MESH.draftRequests).isEmpty();
    }

    @Test
    void bodyShapeAndContentTypeErrors() {
        assertThat(http().post("/v1/completions", "{not json").statusCode()).isEqualTo(400);
        assertThat(http().post("/v1/completions", "[1,2]").statusCode()).isEqualTo(400);
        HttpResponse<String> text = http().post("/v1/completions", "{\"prompt\":\"x\"}", "Content-Type", "text/plain");
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(Http.json(text.body()).at("/error/type").stringValue()).isEqualTo("invalid_request_error");
        HttpResponse<String> big = http().post("/v1/completions",
                "{\"prompt\":\"" + "a".repeat(2 * 1024 * 1024 + 10) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(Http.json(big.body()).at("/error/message").stringValue()).contains("exceeds");
        HttpResponse<String> unknownPath = http().get("/v1/nothing-here");
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(Http.json(unknownPath.body()).at("/error/message").isString()).isTrue();
    }

    /**
     * A refusal leaves nothing behind (B5): each rejected request (bad JSON, wrong type, 413, unsupported and
     * out-of-range parameters, a context overflow) is followed at once by a valid one that is served in full.
     */
    @Test
    void everyRejectedRequestIsFollowedByAValidOneThatSucceeds() {
        List<String[]> rejected = List.of(
                new String[] {"{not json", "application/json", "400"},
                new String[] {"{\"prompt\":\"x\"}", "text/plain", "415"},
                new String[] {"{\"prompt\":\"" + "a".repeat(2 * 1024 * 1024 + 10) + "\"}", "application/json", "413"},
                new String[] {"{\"prompt\":\"x\",\"max_tokens\":100000}", "application/json", "400"},
                new String[] {"{\"prompt\":\"x\",\"temperature\":-1}", "application/json", "400"},
                new String[] {"{\"prompt\":\"x\",\"top_p\":1.5}", "application/json", "400"},
                new String[] {"{\"prompt\":\"x\",\"repetition_penalty\":1.2}", "application/json", "400"},
                new String[] {"{\"prompt\":\"x\",\"stop\":[\"\"]}", "application/json", "400"},
                new String[] {"{\"prompt\":\"" + "a".repeat(2100) + "\"}", "application/json", "400"},
                new String[] {"{\"prompt\":\"x\",\"model\":\"gpt-4\"}", "application/json", "404"});
        for (String[] request : rejected) {
            HttpResponse<String> refused = http().post("/v1/completions", request[0], "Content-Type", request[1]);
            assertThat(refused.statusCode()).as("%.80s", request[0]).isEqualTo(Integer.parseInt(request[2]));
            assertThat(MESH.draftRequests).as("a refusal reaches no backend").isEmpty();

            HttpResponse<String> served = http().post("/v1/completions",
                    "{\"model\":\"test-tiny\",\"prompt\":\"Say hello\",\"max_tokens\":100,\"temperature\":0}");
            assertThat(served.statusCode()).as("after %.80s: %s", request[0], served.body()).isEqualTo(200);
            assertThat(Http.json(served.body()).at("/choices/0/text").stringValue()).isEqualTo(OUTPUT);
            MESH.reset(TOKENIZER.encode(OUTPUT));
        }
    }

    @Test
    void modelsListTheServedModel() {
        HttpResponse<String> response = http().get("/v1/models");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Http.json(response.body());
        assertThat(body.get("object").stringValue()).isEqualTo("list");
        assertThat(body.at("/data/0/id").stringValue()).isEqualTo("test-tiny");
        assertThat(body.at("/data/0/object").stringValue()).isEqualTo("model");
        assertThat(body.at("/data/0/max_model_len").intValue()).isEqualTo(2048);
    }

    @Test
    void unreachableMeshIs503WithRetryAfterStreamedOrNot() {
        MESH.failDrafter = Status.UNAVAILABLE.withDescription("no drafter");
        MESH.failVerifier = Status.UNAVAILABLE.withDescription("no verifier");

        HttpResponse<String> plain = http().post("/v1/completions", "{\"prompt\":\"x\"}");
        HttpResponse<String> streamed = http().post("/v1/completions", "{\"prompt\":\"x\",\"stream\":true}");

        for (HttpResponse<String> response : List.of(plain, streamed)) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).contains("1");
            assertThat(Http.json(response.body()).at("/error/type").stringValue()).isEqualTo("server_error");
        }
    }

    @Test
    void drafterDownFallsBackToTargetOnlyAndSaysSo() {
        MESH.failDrafter = Status.UNAVAILABLE.withDescription("no drafter");

        JsonNode body = Http.json(http().post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":100}").body());

        assertThat(body.at("/choices/0/text").stringValue()).isEqualTo(OUTPUT);
        assertThat(body.at("/specula/mode").stringValue()).isEqualTo("target-only");
        assertThat(body.at("/specula/fallback_reason").stringValue()).contains("drafter unavailable");
    }

    @Test
    void failureAfterTokensIsAnSseErrorThenDoneOrA5xxThatMustNotBeRetried() {
        MESH.failAfterTokens = 6;

        HttpResponse<String> streamed = http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":100,\"stream\":true}");
        assertThat(streamed.statusCode()).isEqualTo(200);
        List<JsonNode> events = Http.sse(streamed.body()).events();
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.at("/error/message").stringValue()).isNotBlank();
        assertThat(events.subList(0, events.size() - 1))
                .allSatisfy(e -> assertThat(e.at("/choices/0/finish_reason").isNull()).isTrue());

        HttpResponse<String> plain = http().post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":100}");
        assertThat(plain.statusCode()).isEqualTo(503);
        assertThat(plain.headers().firstValue("x-should-retry")).contains("false");
    }

    @Test
    void slowPrefillGetsKeepAliveCommentsBeforeTheFirstToken() {
        MESH.firstChunkDelayMillis = 900;

        HttpResponse<String> response = http().post("/v1/completions",
                "{\"prompt\":\"x\",\"max_tokens\":3,\"stream\":true}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith(": keep-alive\n\n");
        assertThat(Http.sse(response.body()).comments()).isPositive();
    }

    /**
     * Each event leaves when it is written: the backend sends one round and then waits for the test, and the client
     * must see that round's tokens and then keep-alives while it waits. (Events stuck in the container's buffer
     * would only arrive once it filled or the stream ended: never, here.)
     */
    @Test
    void streamedEventsAndKeepAlivesReachTheClientWhileTheGenerationRuns() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        MESH.holdAfterFirstChunk = hold;
        String body = "{\"prompt\":\"x\",\"max_tokens\":100,\"temperature\":0,\"stream\":true}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000); // a failure guard: with buffered events the read would wait for ever
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder received = new StringBuilder();
            try {
                readUntil(in, received, ": keep-alive");
            } finally {
                hold.countDown();
            }
            String firstRound = TOKENIZER.decode(Arrays.copyOf(TOKENIZER.encode(OUTPUT), 3));
            StringBuilder heldText = new StringBuilder();
            Matcher event = Pattern.compile("data: (\\{[^\n]*})").matcher(received);
            while (event.find()) {
                heldText.append(Http.json(event.group(1)).at("/choices/0/text").stringValue());
            }
            assertThat(heldText.toString()).as("text sent before the backend went on").isEqualTo(firstRound);
            readUntil(in, received, "data: [DONE]");
            assertThat(received.toString()).contains("\"finish_reason\":\"stop\"");
        }
    }

    private static void readUntil(InputStream in, StringBuilder received, String marker) throws IOException {
        byte[] buffer = new byte[4096];
        while (received.indexOf(marker) < 0) {
            int read = in.read(buffer);
            if (read < 0) {
                throw new AssertionError("stream ended before " + marker + ": " + received);
            }
            received.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
        }
    }

    @Test
    void clientDisconnectCancelsTheBackendGeneration() throws Exception {
        MESH.output = TOKENIZER.encode(OUTPUT.repeat(30));
        MESH.chunkDelayMillis = 20;
        MESH.roundSize = 1;
        String body = "{\"prompt\":\"x\",\"max_tokens\":1500,\"stream\":true}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            int read = 0;
            while (!new String(buffer, 0, read, StandardCharsets.UTF_8).contains("data: ")) {
                read += in.read(buffer, read, buffer.length - read);
            }
        }
        // The whole script would take 30 s: a cancel within 20 s can only come from the disconnect.
        await().atMost(Duration.ofSeconds(20)).until(() -> MESH.cancellations.get() == 1);
    }

    @Test
    void metricsUseVllmNamesBucketsAndLabels() {
        http().post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":100}");
        HttpResponse<String> scrape = http().get("/metrics");

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
        String text = scrape.body();
        String labels = "engine=\"0\",model_name=\"test-tiny\"";
        for (String line : new String[] {
                "# TYPE vllm:num_requests_waiting gauge",
                "# TYPE vllm:num_requests_running gauge",
                "vllm:num_requests_waiting{" + labels + "} 0",
                "vllm:num_requests_running{" + labels + "} 0",
                "# TYPE vllm:time_to_first_token_seconds histogram",
                "# TYPE vllm:inter_token_latency_seconds histogram",
                "# TYPE vllm:request_time_per_output_token_seconds histogram",
                "# TYPE vllm:e2e_request_latency_seconds histogram",
                "# TYPE vllm:prompt_tokens_total counter",
                "# TYPE vllm:generation_tokens_total counter",
                "# TYPE vllm:request_success_total counter",
                "# TYPE vllm:spec_decode_num_drafts_total counter",
                "# TYPE vllm:spec_decode_num_draft_tokens_total counter",
                "# TYPE vllm:spec_decode_num_accepted_tokens_total counter",
                "# TYPE vllm:spec_decode_num_accepted_tokens_per_pos_total counter",
                "# TYPE sglang:spec_accept_length gauge",
                "vllm:time_to_first_token_seconds_count{" + labels + "} ",
                "vllm:e2e_request_latency_seconds_sum{" + labels + "} ",
                "vllm:request_success_total{engine=\"0\",finished_reason=\"stop\",model_name=\"test-tiny\"} ",
                "vllm:spec_decode_num_accepted_tokens_per_pos_total{" + labels + ",position=\"0\"} ",
                "sglang:spec_accept_length{" + labels + "} 3.0"}) {
            assertThat(text).as(line).contains(line.startsWith("#") ? line + "\n" : line);
        }
        assertThat(buckets(text, "vllm:time_to_first_token_seconds")).containsExactly("0.001", "0.005", "0.01",
                "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "20.0",
                "40.0", "80.0", "160.0", "640.0", "2560.0", "+Inf");
        List<String> tokenBuckets = List.of("0.01", "0.025", "0.05", "0.075", "0.1", "0.15", "0.2", "0.3", "0.4", "0.5",
                "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "20.0", "40.0", "80.0", "+Inf");
        assertThat(buckets(text, "vllm:inter_token_latency_seconds")).isEqualTo(tokenBuckets);
        assertThat(buckets(text, "vllm:request_time_per_output_token_seconds")).isEqualTo(tokenBuckets);
        assertThat(buckets(text, "vllm:e2e_request_latency_seconds")).containsExactly("0.3", "0.5", "0.8", "1.0",
                "1.5", "2.0", "2.5", "5.0", "10.0", "15.0", "20.0", "30.0", "40.0", "50.0", "60.0", "120.0", "240.0",
                "480.0", "960.0", "1920.0", "7680.0", "+Inf");
        assertThat(text).doesNotContain("vllm_").doesNotContain("time_per_output_token_seconds{");
        // The router's Micrometer meters follow on the same page.
        assertThat(text).contains("specula_router_prompt_tokens_total");
    }

    private static List<String> buckets(String text, String histogram) {
        Matcher m = Pattern.compile(Pattern.quote(histogram) + "_bucket\\{[^}]*le=\"([^\"]+)\"").matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theInferencePortServesOnlyTheAllowlistedRoutes(
            @Autowired @Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings) {
        Set<String> routes = new HashSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> routes.addAll(info.getPatternValues()));

        // RELIABILITY.md #22: no admin or debug routes next to the API (Actuator has its own, fixed exposure list).
        assertThat(routes).containsExactlyInAnyOrder("/v1/completions", "/v1/chat/completions", "/v1/models",
                "/metrics", "/error");
        assertThat(Mode.MODE_TARGET_ONLY).isNotNull();
    }
}
