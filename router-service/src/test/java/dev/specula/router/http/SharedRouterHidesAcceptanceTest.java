package dev.specula.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import dev.specula.router.RouterApplication;
import dev.specula.router.auth.ApiKeys;
import dev.specula.router.testing.FakeMesh;
import dev.specula.router.testing.Http;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * RELIABILITY.md #16 on the wire: a router shared by two tenants, with no side-channel setting, answers over real
 * HTTP (JSON and SSE) and real gRPC with no acceptance figure anywhere, and streams chunks of exactly the cadence
 * (4 tokens, the last one the remainder) whether the backend's rounds carry 1 token (low acceptance) or 7 (high).
 * SSE events are per round here ({@code stream-granularity=round}), so an event is exactly one router chunk.
 */
@SpringBootTest(classes = RouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.config.name=router",
                "spring.grpc.server.port=0",
                "specula.router.served-model-name=test-tiny",
                "specula.router.http.stream-granularity=round",
                "specula.router.side-channel.cadence-interval=1ms",
                "logging.level.root=WARN"})
class SharedRouterHidesAcceptanceTest {
    static final String ALPHA = "sk-alpha-0123456789";
    static final String BETA = "sk-beta-0123456789";
    static final Path MODEL = Path.of("../models/test-tiny").toAbsolutePath().normalize();
    static final TextTokenizer TOKENIZER = TextTokenizer.load(ModelFolder.open(MODEL));
    static final String OUTPUT = "Hello, world! The quick brown fox jumps over the lazy dog.";
    static final FakeMesh MESH = new FakeMesh();
    /** Acceptance words of the HTTP {@code specula} object and the gRPC stats, in any spelling. */
    static final List<String> FIGURES = List.of("accept", "draft_tokens", "drafts", "rounds", "specula");

    @LocalServerPort
    int port;

    @Autowired
    GrpcServerLifecycle grpcServer;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.grpc.client.channel.drafter.target", MESH::target);
        registry.add("spring.grpc.client.channel.verifier.target", MESH::target);
        registry.add("specula.router.model-path", MODEL::toString);
        registry.add("specula.router.auth.keys[0].sha256", () -> ApiKeys.sha256Hex(ALPHA));
        registry.add("specula.router.auth.keys[0].tenant", () -> "alpha");
        registry.add("specula.router.auth.keys[1].sha256", () -> ApiKeys.sha256Hex(BETA));
        registry.add("specula.router.auth.keys[1].tenant", () -> "beta");
    }

    @AfterAll
    static void stopMesh() throws InterruptedException {
        MESH.close();
    }

    /** The output's tokens are its characters (test-tiny), so a chunk's text length is its token count. */
    private static int tokens() {
        int n = TOKENIZER.encode(OUTPUT).length;
        assertThat(n).isEqualTo(OUTPUT.length());
        return n;
    }

    /** 4, 4, ..., then the remainder. */
    private static List<Integer> cadence(int tokens) {
        List<Integer> sizes = new ArrayList<>();
        for (int left = tokens; left > 0; left -= 4) {
            sizes.add(Math.min(4, left));
        }
        return sizes;
    }

    private void script(int roundSize) {
        MESH.reset(TOKENIZER.encode(OUTPUT));
        MESH.roundSize = roundSize;
    }

    @ParameterizedTest(name = "rounds of {0} tokens")
    @ValueSource(ints = {1, 7})
    void jsonResponsesCarryNoAcceptanceFigures(int roundSize) {
        script(roundSize);
        for (String path : List.of("/v1/completions", "/v1/chat/completions")) {
            String body = path.contains("chat") ? "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":100}"
                    : "{\"prompt\":\"Say hello\",\"max_tokens\":100}";
            HttpResponse<String> response = new Http("http://127.0.0.1:" + port).post(path, body,
                    "Authorization", "Bearer " + ALPHA);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode json = Http.json(response.body());
            assertThat(json.has("specula")).isFalse();
            assertNoFigures(response.body());
            assertThat(MESH.draftRequests).isNotEmpty();
            MESH.draftRequests.clear();
        }
    }

    @ParameterizedTest(name = "rounds of {0} tokens")
    @ValueSource(ints = {1, 7})
    void sseEventsAreCadenceChunksWithNoAcceptanceFigures(int roundSize) {
        script(roundSize);
        HttpResponse<String> response = new Http("http://127.0.0.1:" + port).post("/v1/completions",
                "{\"prompt\":\"Say hello\",\"max_tokens\":100,\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}",
                "Authorization", "Bearer " + BETA);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertNoFigures(response.body());
        List<Integer> sizes = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode event : Http.sse(response.body()).events()) {
            assertThat(event.has("specula")).isFalse();
            JsonNode choice = event.at("/choices/0");
            if (!choice.isMissingNode() && !choice.get("text").stringValue().isEmpty()) {
                sizes.add(choice.get("text").stringValue().length());
                text.append(choice.get("text").stringValue());
            }
        }
        assertThat(text.toString()).isEqualTo(OUTPUT);
        assertThat(sizes).isEqualTo(cadence(tokens()));
    }

    @ParameterizedTest(name = "rounds of {0} tokens")
    @ValueSource(ints = {1, 7})
    void grpcChunksAreTheCadenceAndTheSummaryHasNoStats(int roundSize) throws InterruptedException {
        script(roundSize);
        Metadata auth = new Metadata();
        auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + ALPHA);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcServer.getPort()).usePlaintext()
                .build();
        try {
            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth))
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .generate(GenerateRequest.newBuilder().setPrompt("Say hello").setMaxTokens(100)
                            .setSampling(SamplingParams.newBuilder().setTemperature(0)).build());
            List<Integer> sizes = new ArrayList<>();
            GenerateEvent last = null;
            while (events.hasNext()) {
                last = events.next();
                if (last.hasChunk() && last.getChunk().getTokenIdsCount() > 0) {
                    sizes.add(last.getChunk().getTokenIdsCount());
                }
            }
            assertThat(sizes).isEqualTo(cadence(tokens()));
            assertThat(last.hasSummary()).isTrue();
            assertThat(last.getSummary().hasStats()).isFalse();
            assertThat(last.getSummary().getCompletionTokens()).isEqualTo(tokens());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void assertNoFigures(String body) {
        for (String word : FIGURES) {
            assertThat(body).as("a shared router's response names no acceptance figure").doesNotContain(word);
        }
    }
}
