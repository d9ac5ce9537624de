package dev.specula.launcher.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.testing.ModelPair;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The four services in this JVM as {@code ./specula} runs them, driven through {@link RouterClient} over a
 * loopback channel: lossless greedy speculation end to end, seeded replays, draft-only, router-level refusals,
 * cancellation reaching the verifier, and fallback to target-only once the drafter is gone (last: it stops
 * the drafter for good).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalMeshTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {";
    private static final int MAX_TOKENS_CAP = 2048;
    private static final int MAX_DRAFT_LENGTH = 16;

    private LocalMesh mesh;
    private ManagedChannel channel;
    private RouterClient client;
    private VerifierEngine verifierEngine;
    private TextTokenizer tokenizer;
    private DecoderModel target;
    private DecoderModel draft;

    @BeforeAll
    void start() {
        ModelPair pair = ModelPair.UNDER_TEST;
        mesh = LocalMesh.start(new MeshOptions(pair.drafter(), pair.verifier(), 0, 0, "WARN"));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", mesh.router().grpcPort()).usePlaintext().build();
        client = new RouterClient(channel, Duration.ofSeconds(60));
        verifierEngine = mesh.verifier().context().getBean(VerifierEngine.class);
        tokenizer = TextTokenizer.load(ModelFolder.open(pair.verifier()));
        target = DecoderModel.load(pair.verifier(), ExecutionSettings.defaults().withIntraOpThreads(2));
        draft = DecoderModel.load(pair.drafter(), ExecutionSettings.defaults().withIntraOpThreads(2));
    }

    @AfterEach
    void theVerifierHasNoOpenSession() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(verifierEngine.openSessions()).as("verifier sessions").isZero());
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (AutoCloseable resource : new AutoCloseable[] {mesh, tokenizer, target, draft}) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception ignored) {
                // keep closing the others
            }
        }
    }

    @ParameterizedTest(name = "max_tokens = {0}, draft_length = {1}, ignore_eos = {2}")
    @CsvSource({"48, 4, true", "64, 0, false", "32, 1, true"})
    void greedySpeculativeEqualsTargetOnlyThroughTheRouterAndInProcess(int maxTokens, int draftLength,
                                                                       boolean ignoreEos) {
        RemoteRequest request = new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, maxTokens, SamplingParams.GREEDY,
                draftLength, ignoreEos);

        RemoteResult speculative = client.generate(request, piece -> true);
        RemoteResult targetOnly = client.generate(request.withMode(GenerationMode.TARGET_ONLY), piece -> true);
        int[] prompt = tokenizer.encode(PROMPT);
        int[] stopTokens = ignoreEos ? new int[0] : target.generationConfig().eosTokenIds();
        int[] inProcess = InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY,
                new StopCondition(maxTokens, stopTokens)).tokens();

        assertThat(speculative.tokenIds()).as("speculative vs target-only through the router")
                .containsExactly(targetOnly.tokenIds());
        assertThat(speculative.tokenIds()).as("speculative vs in-process target-only").containsExactly(inProcess);
        assertThat(speculative.text()).isEqualTo(targetOnly.text()).isEqualTo(tokenizer.decode(inProcess));
        assertThat(speculative.mode()).isEqualTo(GenerationMode.SPECULATIVE);
        assertThat(speculative.fallbackReason()).isEmpty();
        assertThat(speculative.drafts()).as("drafts").isPositive();
        assertThat(speculative.promptTokens()).isEqualTo(prompt.length);
        assertThat(speculative.completionTokens()).isEqualTo(inProcess.length);
        assertThat(targetOnly.mode()).isEqualTo(GenerationMode.TARGET_ONLY);
        assertThat(targetOnly.drafts()).isZero();
    }

    @Test
    void sampledSpeculativeWithAFixedSeedReplaysIdenticallyAndAnotherSeedDiffers() {
        RemoteRequest request = new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 64,
                new SamplingParams(0.8, 0, 0.95, 77L), 4, true);

        RemoteResult first = client.generate(request, piece -> true);
        RemoteResult replay = client.generate(request, piece -> true);
        RemoteResult otherSeed = client.generate(new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 64,
                new SamplingParams(0.8, 0, 0.95, 78L), 4, true), piece -> true);

        assertThat(first.tokenIds()).hasSize(64);
        assertThat(replay.tokenIds()).containsExactly(first.tokenIds());
        assertThat(replay.text()).isEqualTo(first.text());
        assertThat(otherSeed.tokenIds()).as("seed 78 vs seed 77").isNotEqualTo(first.tokenIds());
    }

    @Test
    void draftOnlyRunsTheDraftModelAlone() {
        RemoteResult result = client.generate(new RemoteRequest(PROMPT, GenerationMode.DRAFT_ONLY, 24,
                SamplingParams.GREEDY, 0, true), piece -> true);

        int[] expected = InProcessDecoding.targetOnly(draft, tokenizer.encode(PROMPT), SamplingParams.GREEDY,
                new StopCondition(24, new int[0])).tokens();
        assertThat(result.tokenIds()).containsExactly(expected);
        assertThat(result.mode()).isEqualTo(GenerationMode.DRAFT_ONLY);
        assertThat(result.finishReason()).isEqualTo("length");
        assertThat(result.drafts()).isZero();
    }

    static Stream<Arguments> invalidRequests() {
        GenerateRequest ok = GenerateRequest.newBuilder().setPrompt(PROMPT).setMode(Mode.MODE_SPECULATIVE)
                .setMaxTokens(8).build();
        return Stream.of(
                Arguments.of("empty prompt", ok.toBuilder().setPrompt("").build(), "prompt is empty"),
                Arguments.of("max_tokens 0", ok.toBuilder().setMaxTokens(0).build(),
                        "max_tokens must be in 1.." + MAX_TOKENS_CAP + ", got 0"),
                Arguments.of("max_tokens above the cap", ok.toBuilder().setMaxTokens(MAX_TOKENS_CAP + 1).build(),
                        "max_tokens must be in 1.." + MAX_TOKENS_CAP + ", got " + (MAX_TOKENS_CAP + 1)),
                Arguments.of("temperature < 0", ok.toBuilder().setSampling(sampling(-0.1, 1.0)).build(),
                        "temperature must be a finite number >= 0"),
                Arguments.of("top_p < 0", ok.toBuilder().setSampling(sampling(0.7, -0.5)).build(),
                        "top_p must be in (0, 1]"),
                Arguments.of("top_p > 1", ok.toBuilder().setSampling(sampling(0.7, 1.5)).build(),
                        "top_p must be in (0, 1]"),
                Arguments.of("draft_length above the maximum",
                        ok.toBuilder().setDraftLength(MAX_DRAFT_LENGTH + 1).build(),
                        "draft_length must be in 1.." + MAX_DRAFT_LENGTH),
                Arguments.of("negative draft_length", ok.toBuilder().setDraftLength(-1).build(),
                        "draft_length must be in 1.." + MAX_DRAFT_LENGTH),
                Arguments.of("unknown mode number", ok.toBuilder().setModeValue(7).build(), "unknown mode"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void anInvalidRequestIsRefusedWithInvalidArgumentAndTheRouterKeepsServing(String name, GenerateRequest request,
                                                                             String description) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> {
            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).generate(request);
            events.forEachRemaining(event -> { });
        });

        assertThat(error).as(name).isNotNull();
        assertThat(error.getStatus().getCode()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).as(name).contains(description);
        RemoteResult valid = client.generate(new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 4,
                SamplingParams.GREEDY, 0, true), piece -> true);
        assertThat(valid.completionTokens()).isEqualTo(4);
    }

    /**
     * The client cancels on its first piece of text from a 1024-token generation (k = 1: at least 512 rounds).
     * The cancel must travel router → drafter → verifier: the verifier's session closes, and far fewer than
     * 1024 tokens were ever committed.
     */
    @Test
    void aClientCancellingMidStreamLeavesTheVerifierWithNoOpenSession() {
        Counter committed = mesh.verifier().context().getBean(MeterRegistry.class)
                .get("specula_verifier_committed_tokens").counter();
        double committedBefore = committed.count();
        AtomicInteger sessionsWhileStreaming = new AtomicInteger(-1);

        RemoteResult result = client.generate(new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 1024,
                SamplingParams.GREEDY, 1, true), piece -> {
                    sessionsWhileStreaming.compareAndSet(-1, verifierEngine.openSessions());
                    return false;
                });

        assertThat(result.finishReason()).isEqualTo("cancelled");
        assertThat(sessionsWhileStreaming.get()).as("verifier sessions while streaming").isEqualTo(1);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> verifierEngine.openSessions() == 0);
        assertThat(committed.count() - committedBefore).as("tokens the verifier committed").isLessThan(1024);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void withTheDrafterStoppedSpeculativeFallsBackToTargetOnlyWithIdenticalGreedyOutput() {
        RemoteRequest request = new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 40, SamplingParams.GREEDY, 4,
                true);
        RemoteResult before = client.generate(request, piece -> true);
        assertThat(before.mode()).isEqualTo(GenerationMode.SPECULATIVE);

        mesh.stop(mesh.drafter());
        RemoteResult after = client.generate(request, piece -> true);

        assertThat(after.mode()).isEqualTo(GenerationMode.TARGET_ONLY);
        assertThat(after.fallbackReason()).contains("drafter unavailable");
        assertThat(after.tokenIds()).containsExactly(before.tokenIds());
        assertThat(after.text()).isEqualTo(before.text());
    }

    private static dev.specula.proto.v1.SamplingParams sampling(double temperature, double topP) {
        return dev.specula.proto.v1.SamplingParams.newBuilder().setTemperature(temperature).setTopP(topP).build();
    }
}
