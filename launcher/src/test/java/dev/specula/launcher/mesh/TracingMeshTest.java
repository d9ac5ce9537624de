package dev.specula.launcher.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.testing.CollectingSpanExporter;
import dev.specula.launcher.testing.ModelPair;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Distributed tracing through the real mesh ({@code test-tiny}, four services in this JVM on loopback gRPC): with
 * sampling on, one speculative request (gRPC or HTTP front door) is one trace from the router through the drafter
 * to the verifier and the KV store, with a span per verification round; with the services' defaults, nothing is
 * sampled and nothing reaches an exporter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingMeshTest {
    /** Long enough for whole KV blocks, so opening the verifier session looks the prefix up in the KV store. */
    private static final String GRPC_PROMPT = "public static int gcd(int a, int b) { while (b != 0) { int t = b; "
            + "b = a % b; a = t; } return a; } public static int lcm(int a, int b) {";
    private static final String HTTP_PROMPT = "static long fib(int n) { long a = 0, b = 1; for (int i = 0; i < n; "
            + "i++) { long t = a + b; a = b; b = t; } return a; } static long fact(int n) {";

    private static final String DEFAULTS_PROMPT = "int max(int[] xs) { int best = xs[0]; for (int x : xs) { if (x > "
            + "best) { best = x; } } return best; } int min(int[] xs) {";

    private final InMemorySpanExporter traced = CollectingSpanExporter.named("traced");
    private final InMemorySpanExporter defaults = CollectingSpanExporter.named("defaults");
    private LocalMesh tracedMesh;
    private LocalMesh defaultMesh;

    @BeforeAll
    void start() {
        ModelPair pair = ModelPair.TEST_TINY;
        MeshOptions options = new MeshOptions(pair.drafter(), pair.verifier(), 0, 0, "WARN");
        tracedMesh = LocalMesh.start(options.withServiceProperty(CollectingSpanExporter.PROPERTY, "traced")
                .withServiceProperty("management.tracing.sampling.probability", "1.0")
                .withServiceProperty("spring.grpc.server.observation.enabled", "true")
                .withServiceProperty("spring.grpc.client.observation.enabled", "true"));
        defaultMesh = LocalMesh.start(options.withServiceProperty(CollectingSpanExporter.PROPERTY, "defaults"));
    }

    @AfterAll
    void stop() {
        for (LocalMesh mesh : new LocalMesh[] {tracedMesh, defaultMesh}) {
            if (mesh != null) {
                mesh.close();
            }
        }
    }

    @Test
    void aSpeculativeGrpcRequestIsOneTraceFromRouterToKvStoreWithASpanPerRound() throws Exception {
        generateOverGrpc(tracedMesh, GRPC_PROMPT);

        List<SpanData> trace = awaitTrace(tracedMesh, traced, "Router/Generate");
        SpanData router = only(trace, SpanKind.SERVER, "Router/Generate");
        SpanData routerToDrafter = only(trace, SpanKind.CLIENT, "Drafter/Generate");
        SpanData drafter = only(trace, SpanKind.SERVER, "Drafter/Generate");
        SpanData drafterToVerifier = only(trace, SpanKind.CLIENT, "Verifier/Session");
        SpanData verifier = only(trace, SpanKind.SERVER, "Verifier/Session");
        SpanData verifierToStore = only(trace, SpanKind.CLIENT, "KvStore/GetBlocks");
        SpanData store = only(trace, SpanKind.SERVER, "KvStore/GetBlocks");

        assertThat(router.getParentSpanContext().isValid()).as("the router's span is the root").isFalse();
        assertParent(routerToDrafter, router);
        assertParent(drafter, routerToDrafter);
        assertParent(drafterToVerifier, drafter);
        assertParent(verifier, drafterToVerifier);
        assertParent(verifierToStore, verifier);
        assertParent(store, verifierToStore);

        List<SpanData> rounds = trace.stream().filter(s -> s.getName().equals("speculation round")).toList();
        assertThat(rounds).as("round spans").isNotEmpty();
        assertThat(rounds).allSatisfy(round -> {
            assertParent(round, drafter);
            assertThat(attribute(round, "specula.drafted")).isNotNull();
            assertThat(attribute(round, "specula.accepted")).isNotNull();
            assertThat(attribute(round, "specula.committed")).isNotNull();
        });
        assertThat(rounds.stream().map(r -> number(r, "specula.round")).sorted().toList())
                .as("rounds numbered 1..n").isEqualTo(LongStream.rangeClosed(1, rounds.size()).boxed().toList());
        assertThat(rounds.stream().mapToLong(r -> number(r, "specula.committed")).sum())
                .as("tokens committed over the rounds").isEqualTo(16);
        // test-tiny drafts for itself: every drafted token is accepted.
        assertThat(rounds).allSatisfy(round -> assertThat(number(round, "specula.accepted"))
                .isEqualTo(number(round, "specula.verified")));
    }

    @Test
    void aStreamedHttpRequestContinuesItsTraceOnTheGenerationPool() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"model\":\"specula-java-12m\",\"prompt\":\"" + HTTP_PROMPT + "\",\"max_tokens\":16,"
                + "\"temperature\":0,\"ignore_eos\":true,\"draft_length\":4,\"stream\":true}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + tracedMesh.routerHttpPort() + "/v1/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

        List<SpanData> trace = awaitTrace(tracedMesh, traced, "/v1/completions");
        SpanData request = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER
                && s.getName().contains("/v1/completions")).findFirst().orElseThrow();
        SpanData routerToDrafter = only(trace, SpanKind.CLIENT, "Drafter/Generate");
        assertThat(request.getParentSpanContext().isValid()).as("the HTTP request's span is the root").isFalse();
        assertParent(routerToDrafter, request);
        assertParent(only(trace, SpanKind.SERVER, "Drafter/Generate"), routerToDrafter);
        only(trace, SpanKind.SERVER, "Verifier/Session");
        assertThat(trace).anyMatch(s -> s.getName().equals("speculation round"));
    }

    @Test
    void withTheDefaultsNothingIsSampledOrExported() throws Exception {
        generateOverGrpc(defaultMesh, DEFAULTS_PROMPT);
        // The same request through the traced mesh: once its spans are exported, the default mesh's (exporting
        // to its own collector, flushed below) would have been too, had its sampler recorded any.
        generateOverGrpc(tracedMesh, DEFAULTS_PROMPT);
        awaitTrace(tracedMesh, traced, "Router/Generate");
        flush(defaultMesh);

        assertThat(defaults.getFinishedSpanItems()).as("spans exported with the defaults").isEmpty();
    }

    private static void generateOverGrpc(LocalMesh mesh, String prompt) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", mesh.router().grpcPort())
                .usePlaintext().build();
        try {
            RemoteResult result = new RouterClient(channel, Duration.ofSeconds(60)).generate(new RemoteRequest(
                    prompt, GenerationMode.SPECULATIVE, 16, SamplingParams.GREEDY, 4, true), piece -> true);
            assertThat(result.tokenIds()).hasSize(16);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Every span {@link #awaitTrace} waits for: a span may end just after its caller saw the response. */
    private static final List<String> SERVER_SPANS = List.of("Drafter/Generate", "Verifier/Session");

    /**
     * The spans of the trace whose root span's name contains {@code rootName}, once the drafter's and the
     * verifier's server spans have been exported too. Clears the exporter, so each test sees its own request.
     */
    private static List<SpanData> awaitTrace(LocalMesh mesh, InMemorySpanExporter exporter, String rootName) {
        AtomicReference<List<SpanData>> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            flush(mesh);
            List<SpanData> spans = exporter.getFinishedSpanItems();
            SpanData root = spans.stream().filter(s -> !s.getParentSpanContext().isValid()
                    && s.getName().contains(rootName)).findFirst().orElse(null);
            assertThat(root).as("root span %s among %s", rootName, describe(spans)).isNotNull();
            List<SpanData> trace = spans.stream().filter(s -> s.getTraceId().equals(root.getTraceId())).toList();
            for (String method : SERVER_SPANS) {
                assertThat(trace).as("%s in %s", method, describe(trace)).anyMatch(s -> s.getKind() == SpanKind.SERVER
                        && s.getName().contains(method));
            }
            found.set(trace);
        });
        exporter.reset();
        return found.get();
    }

    private static void flush(LocalMesh mesh) {
        for (ServiceHandle service : List.of(mesh.router(), mesh.drafter(), mesh.verifier(), mesh.kvstore())) {
            service.context().getBean(SdkTracerProvider.class).forceFlush().join(10, TimeUnit.SECONDS);
        }
    }

    private static SpanData only(List<SpanData> trace, SpanKind kind, String method) {
        List<SpanData> matching = trace.stream().filter(s -> s.getKind() == kind && s.getName().contains(method))
                .toList();
        assertThat(matching).as("%s %s spans in %s", kind, method, describe(trace)).hasSize(1);
        return matching.get(0);
    }

    private static void assertParent(SpanData child, SpanData parent) {
        assertThat(child.getTraceId()).as("trace of " + child.getName()).isEqualTo(parent.getTraceId());
        assertThat(child.getParentSpanId()).as("parent of " + child.getName() + " is " + parent.getName())
                .isEqualTo(parent.getSpanId());
    }

    private static Object attribute(SpanData span, String key) {
        return span.getAttributes().asMap().entrySet().stream().filter(e -> e.getKey().getKey().equals(key))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static long number(SpanData span, String key) {
        return Long.parseLong(String.valueOf(attribute(span, key)));
    }

    private static String describe(List<SpanData> spans) {
        return spans.stream().map(s -> s.getKind() + " " + s.getName() + " " + s.getSpanId() + "<-"
                + s.getParentSpanId() + " " + s.getTraceId()).collect(Collectors.joining("\n", "\n", "\n"));
    }
}
