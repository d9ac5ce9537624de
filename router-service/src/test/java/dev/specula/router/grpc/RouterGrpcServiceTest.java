package dev.specula.router.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.router.testing.InProcessRouter;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.testing.RepoRoot;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

/**
 * The router application over its in-process server, in front of scripted drafter and verifier fakes on a
 * loopback port (reached through the router's channels by logical name): which backend each mode goes to and with
 * what, text streaming that never splits a character, when it falls back to target-only and when it must not,
 * and a client's cancel reaching the backend. The fakes run no model; the tokenizer is test-tiny's byte vocabulary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouterGrpcServiceTest {
    private static final String ROUTER = "router-" + UUID.randomUUID();
    private static final int CAP = 64;
    private static final int DEFAULT_DRAFT_LENGTH = 3;
    private static final String PROMPT = "int gcd(";
    private static final String OUTPUT = "café au lait";
    private static final SamplingParams SAMPLING = SamplingParams.newBuilder().setTemperature(0.7).setTopP(0.9)
            .setTopK(20).setSeed(5).build();

    private FakeBackends backends;
    private ConfigurableApplicationContext router;
    private ManagedChannel channel;
    private TextTokenizer tokenizer;
    private int[] output;

    @BeforeAll
    void start() throws Exception {
        Path model = RepoRoot.path().resolve("models/test-tiny");
        backends = new FakeBackends();
        router = InProcessRouter.start(ROUTER, false,
                "--specula.router.model-path=" + model,
                "--specula.router.max-tokens-cap=" + CAP,
                "--specula.router.default-draft-length=" + DEFAULT_DRAFT_LENGTH,
                "--specula.router.request-timeout=20s",
                "--spring.grpc.client.channel.drafter.target=" + backends.target(),
                "--spring.grpc.client.channel.verifier.target=" + backends.target());
        channel = InProcessChannelBuilder.forName(ROUTER).build();
        tokenizer = TextTokenizer.load(ModelFolder.open(model));
        output = tokenizer.encode(OUTPUT);
    }

    @AfterEach
    void resetBackends() {
        backends.reset();
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (router != null) {
            router.close();
        }
        if (backends != null) {
            backends.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    @Test
    void speculativeGoesToTheDrafterWithTheTokenisedPromptAndStreamsWholeCharacters() {
        assertThat(output).as("byte vocabulary: é is two tokens").hasSize(OUTPUT.length() + 1);
        // "caf" + the first byte of é | the second byte of é + " a" | "u lait"
        backends.drafter = FakeBackends.stream(List.of(slice(0, 4), slice(4, 7), slice(7, output.length)),
                summary(Mode.MODE_SPECULATIVE, output.length));

        List<GenerateEvent> events = generate(request(Mode.MODE_SPECULATIVE).setDraftLength(0).build());

        assertThat(text(events)).isEqualTo(OUTPUT);
        assertThat(events).filteredOn(GenerateEvent::hasChunk).extracting(e -> e.getChunk().getText())
                .as("no chunk carries half a character").noneMatch(t -> t.contains("\uFFFD"));
        assertThat(tokens(events)).containsExactly(output);
        GenerationSummary summary = last(events);
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_SPECULATIVE);
        assertThat(summary.getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_LENGTH);
        assertThat(summary.getPromptTokens()).isEqualTo(tokenizer.encode(PROMPT).length);
        assertThat(summary.getCompletionTokens()).isEqualTo(output.length);
        assertThat(summary.getFallbackReason()).isEmpty();
        SpeculationStats stats = summary.getStats();
        assertThat(stats.getDrafts()).isEqualTo(3);
        assertThat(stats.getAcceptedTokens()).isEqualTo(6);
        assertThat(stats.getAcceptedPerPositionList()).containsExactly(3L, 2L, 1L);
        assertThat(stats.getMeanAcceptanceLength()).isCloseTo(3.0, within(1e-9));

        assertThat(backends.verifierRequests).isEmpty();
        assertThat(backends.drafterRequests).singleElement().satisfies(sent -> {
            assertThat(sent.getPromptTokenIdsList()).containsExactlyElementsOf(boxed(tokenizer.encode(PROMPT)));
            assertThat(sent.getMode()).isEqualTo(Mode.MODE_SPECULATIVE);
            assertThat(sent.getDraftLength()).as("0 = the router's default").isEqualTo(DEFAULT_DRAFT_LENGTH);
            assertThat(sent.getMaxNewTokens()).isEqualTo(20);
            assertThat(sent.getIgnoreEos()).isTrue();
            assertThat(sent.getSampling()).isEqualTo(SAMPLING);
        });
    }

    @Test
    void targetOnlyGoesStraightToTheVerifier() {
        backends.verifier = FakeBackends.stream(List.of(slice(0, 3)), summary(Mode.MODE_TARGET_ONLY, 3));

        List<GenerateEvent> events = generate(request(Mode.MODE_TARGET_ONLY).build());

        assertThat(text(events)).isEqualTo("caf");
        assertThat(last(events).getMode()).isEqualTo(Mode.MODE_TARGET_ONLY);
        assertThat(backends.drafterRequests).isEmpty();
        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> {
            assertThat(sent.getPromptTokenIdsList()).containsExactlyElementsOf(boxed(tokenizer.encode(PROMPT)));
            assertThat(sent.getMaxNewTokens()).isEqualTo(20);
            assertThat(sent.getSampling()).isEqualTo(SAMPLING);
            assertThat(sent.getFence().getEpoch()).as("first placement").isEqualTo(1);
        });
        generate(request(Mode.MODE_TARGET_ONLY).build());
        assertThat(backends.verifierRequests.get(1).getFence().getGenerationId()).as("one id per generation")
                .isNotEqualTo(backends.verifierRequests.get(0).getFence().getGenerationId());
    }

    @Test
    void draftOnlyGoesToTheDrafterAsDraftOnly() {
        backends.drafter = FakeBackends.stream(List.of(slice(0, 2)), summary(Mode.MODE_DRAFT_ONLY, 2));

        List<GenerateEvent> events = generate(request(Mode.MODE_DRAFT_ONLY).build());

        assertThat(last(events).getMode()).isEqualTo(Mode.MODE_DRAFT_ONLY);
        assertThat(backends.drafterRequests).singleElement()
                .satisfies(sent -> assertThat(sent.getMode()).isEqualTo(Mode.MODE_DRAFT_ONLY));
        assertThat(backends.verifierRequests).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"UNAVAILABLE", "DEADLINE_EXCEEDED"})
    void anUnreachableDrafterFallsBackToTargetOnlyAndSaysSo(Status.Code code) {
        backends.drafter = FakeBackends.fail(Status.fromCode(code).withDescription("drafter gone"));
        backends.verifier = FakeBackends.stream(List.of(slice(0, 4), slice(4, output.length)),
                summary(Mode.MODE_TARGET_ONLY, output.length));

        List<GenerateEvent> events = generate(request(Mode.MODE_SPECULATIVE).build());

        assertThat(text(events)).isEqualTo(OUTPUT);
        GenerationSummary summary = last(events);
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_TARGET_ONLY);
        assertThat(summary.getFallbackReason()).contains("drafter unavailable").contains(code.name());
        DraftGenerateRequest toDrafter = backends.drafterRequests.get(0);
        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> {
            assertThat(sent.getPromptTokenIdsList()).isEqualTo(toDrafter.getPromptTokenIdsList());
            assertThat(sent.getMaxNewTokens()).isEqualTo(toDrafter.getMaxNewTokens());
            assertThat(sent.getSampling()).isEqualTo(toDrafter.getSampling());
            assertThat(sent.getIgnoreEos()).isEqualTo(toDrafter.getIgnoreEos());
            // RELIABILITY.md #24: the same generation, placed again with the next epoch.
            assertThat(sent.getFence().getGenerationId()).isNotEmpty()
                    .isEqualTo(toDrafter.getFence().getGenerationId());
            assertThat(toDrafter.getFence().getEpoch()).isEqualTo(1);
            assertThat(sent.getFence().getEpoch()).isEqualTo(2);
        });
    }

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "INTERNAL"})
    void aDrafterThatAnswersWithARefusalIsNotRetriedOnTheVerifier(Status.Code code) {
        backends.drafter = FakeBackends.fail(Status.fromCode(code).withDescription("drafter says no"));

        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> generate(request(Mode.MODE_SPECULATIVE).build()));

        assertThat(error).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(code);
        assertThat(error.getStatus().getDescription()).isEqualTo("drafter says no");
        assertThat(backends.verifierRequests).isEmpty();
    }

    @Test
    void aDrafterLostAfterTheFirstTokensIsResumedOnTheVerifierWithoutGapOrRepeat() {
        backends.drafter = FakeBackends.streamThenFail(slice(0, 2), Status.UNAVAILABLE.withDescription("lost"));
        backends.verifier = FakeBackends.stream(List.of(slice(2, 5), slice(5, output.length)),
                summary(Mode.MODE_TARGET_ONLY, output.length - 2));

        List<GenerateEvent> events = generate(request(Mode.MODE_SPECULATIVE).build());

        assertThat(text(events)).isEqualTo(OUTPUT);
        GenerationSummary summary = last(events);
        assertThat(summary.getCompletionTokens()).isEqualTo(output.length);
        assertThat(summary.getFallbackReason()).contains("drafter unavailable").contains("after 2 tokens");
        DraftGenerateRequest toDrafter = backends.drafterRequests.get(0);
        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> {
            List<Integer> expectedPrompt = new java.util.ArrayList<>(toDrafter.getPromptTokenIdsList());
            expectedPrompt.add(output[0]);
            expectedPrompt.add(output[1]);
            assertThat(sent.getPromptTokenIdsList()).as("prompt + the tokens already streamed")
                    .isEqualTo(expectedPrompt);
            assertThat(sent.getMaxNewTokens()).isEqualTo(toDrafter.getMaxNewTokens() - 2);
        });
    }

    @Test
    void aDrafterThatFailsMidStreamWithARefusalIsNotResumed() {
        backends.drafter = FakeBackends.streamThenFail(slice(0, 2), Status.INTERNAL.withDescription("broken"));

        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> generate(request(Mode.MODE_SPECULATIVE).build()));

        assertThat(error).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(backends.verifierRequests).as("a refusal is not a lost backend: no resume").isEmpty();
    }

    @Test
    void aClientCancelReachesTheBackend() throws Exception {
        CountDownLatch backendCancelled = new CountDownLatch(1);
        backends.drafter = FakeBackends.streamUntilCancelled(slice(0, 3), backendCancelled);
        Context.CancellableContext context = Context.current().withCancellation();

        String first = context.call(() -> {
            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .generate(request(Mode.MODE_SPECULATIVE).build());
            return events.next().getChunk().getText();
        });
        context.cancel(null);

        assertThat(first).isEqualTo("caf");
        assertThat(backendCancelled.await(10, TimeUnit.SECONDS)).as("the drafter saw the cancel").isTrue();
    }

    @Test
    void anUnknownModeOrABudgetAboveTheCapIsRefusedBeforeAnyBackendIsCalled() {
        StatusRuntimeException unknownMode = catchThrowableOfType(StatusRuntimeException.class,
                () -> generate(request(Mode.MODE_SPECULATIVE).setModeValue(9).build()));
        StatusRuntimeException overCap = catchThrowableOfType(StatusRuntimeException.class,
                () -> generate(request(Mode.MODE_SPECULATIVE).setMaxTokens(CAP + 1).build()));

        assertThat(unknownMode.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(unknownMode.getStatus().getDescription()).contains("unknown mode");
        assertThat(overCap.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(overCap.getStatus().getDescription()).contains("1.." + CAP);
        assertThat(backends.drafterRequests).isEmpty();
        assertThat(backends.verifierRequests).isEmpty();
    }

    /**
     * The gRPC door's sampling and draft checks are the HTTP door's (one RequestValidator): the same message for the
     * same field, INVALID_ARGUMENT before any backend is called, and the next valid request is served.
     */
    @Test
    void invalidSamplingIsRefusedByTheSharedValidatorAndTheNextRequestIsServed() {
        List<GenerateRequest> invalid = List.of(
                request(Mode.MODE_SPECULATIVE).setSampling(SAMPLING.toBuilder().setTemperature(-1)).build(),
                request(Mode.MODE_SPECULATIVE).setSampling(SAMPLING.toBuilder().setTemperature(Double.NaN)).build(),
                request(Mode.MODE_SPECULATIVE).setSampling(SAMPLING.toBuilder().setTopP(1.5)).build(),
                request(Mode.MODE_SPECULATIVE).setSampling(SAMPLING.toBuilder().setTopK(-2)).build(),
                request(Mode.MODE_SPECULATIVE).setDraftLength(99).build(),
                request(Mode.MODE_SPECULATIVE).setMaxTokens(0).build(),
                request(Mode.MODE_SPECULATIVE).setPrompt("").build());
        List<String> messages = List.of("temperature must be a finite number >= 0", "temperature must be",
                "top_p must be in (0, 1]", "top_k must be -1 or 0 (disabled) or >= 1", "draft_length must be in 1..",
                "max_tokens must be in 1.." + CAP, "prompt is empty");
        for (int i = 0; i < invalid.size(); i++) {
            GenerateRequest request = invalid.get(i);
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                    () -> generate(request));
            assertThat(refused).as("request %d", i).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(refused.getStatus().getDescription()).contains(messages.get(i));
            assertThat(backends.drafterRequests).as("nothing reaches a backend").isEmpty();

            assertServedAfterARefusal();
        }
    }

    /** Above 2 MiB (the HTTP body limit) a request is refused before it is parsed, on a real TCP port. */
    @Test
    void aMessageAboveTheTwoMebibyteLimitIsRefusedAndTheNextRequestIsServed() throws Exception {
        int port = router.getBeansOfType(GrpcServerLifecycle.class).values().stream()
                .mapToInt(GrpcServerLifecycle::getPort).filter(p -> p > 0).findFirst().orElseThrow();
        ManagedChannel tcp = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                    RouterGrpc.newBlockingStub(tcp).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .generate(padded(2 * 1024 * 1024 + 1)).next());
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(backends.drafterRequests).isEmpty();

            // Just under the limit the same request is read (the padding is an unknown field) and served.
            backends.drafter = FakeBackends.stream(List.of(slice(0, 3)), summary(Mode.MODE_SPECULATIVE, 3));
            List<GenerateEvent> nearLimit = new ArrayList<>();
            RouterGrpc.newBlockingStub(tcp).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .generate(padded(2 * 1024 * 1024 - 1024)).forEachRemaining(nearLimit::add);
            assertThat(text(nearLimit)).isEqualTo("caf");
            backends.reset();

            backends.drafter = FakeBackends.stream(List.of(slice(0, 3)), summary(Mode.MODE_SPECULATIVE, 3));
            List<GenerateEvent> events = new ArrayList<>();
            RouterGrpc.newBlockingStub(tcp).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .generate(request(Mode.MODE_SPECULATIVE).build()).forEachRemaining(events::add);
            assertThat(text(events)).isEqualTo("caf");
        } finally {
            tcp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A valid request grown to {@code bytes} on the wire by an unknown field the router parses and ignores. */
    private static GenerateRequest padded(int bytes) {
        GenerateRequest request = request(Mode.MODE_SPECULATIVE).build();
        // tag of field 999 (2 bytes) + a 3-byte length: exact for the sizes used here (16 KiB to 2 MiB)
        int padding = bytes - request.getSerializedSize() - 2 - 3;
        UnknownFieldSet.Field field = UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFrom(new byte[padding])).build();
        GenerateRequest grown = request.toBuilder()
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(999, field).build()).build();
        assertThat(grown.getSerializedSize()).isEqualTo(bytes);
        return grown;
    }

    private void assertServedAfterARefusal() {
        backends.reset();
        backends.drafter = FakeBackends.stream(List.of(slice(0, 3)), summary(Mode.MODE_SPECULATIVE, 3));
        assertThat(text(generate(request(Mode.MODE_SPECULATIVE).build()))).isEqualTo("caf");
        assertThat(backends.drafterRequests).hasSize(1);
        backends.reset();
    }

    private List<GenerateEvent> generate(GenerateRequest request) {
        List<GenerateEvent> events = new ArrayList<>();
        RouterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).generate(request)
                .forEachRemaining(events::add);
        return events;
    }

    private static GenerateRequest.Builder request(Mode mode) {
        return GenerateRequest.newBuilder().setPrompt(PROMPT).setMode(mode).setMaxTokens(20).setSampling(SAMPLING)
                .setIgnoreEos(true);
    }

    private static GenerationSummary summary(Mode mode, int completionTokens) {
        return GenerationSummary.newBuilder().setMode(mode).setFinishReason(FinishReason.FINISH_REASON_LENGTH)
                .setCompletionTokens(completionTokens)
                .setStats(SpeculationStats.newBuilder().setRounds(3).setDrafts(3).setDraftTokens(9)
                        .setAcceptedTokens(6).addAllAcceptedPerPosition(List.of(3L, 2L, 1L))
                        .setAcceptanceRate(6 / 9.0).setMeanAcceptanceLength(3.0))
                .build();
    }

    private int[] slice(int from, int to) {
        return Arrays.copyOfRange(output, from, to);
    }

    private static GenerationSummary last(List<GenerateEvent> events) {
        assertThat(events).isNotEmpty();
        assertThat(events.stream().filter(GenerateEvent::hasSummary)).as("summaries").hasSize(1);
        assertThat(events.get(events.size() - 1).hasSummary()).as("the summary comes last").isTrue();
        return events.get(events.size() - 1).getSummary();
    }

    private static String text(List<GenerateEvent> events) {
        StringBuilder text = new StringBuilder();
        events.stream().filter(GenerateEvent::hasChunk).forEach(e -> text.append(e.getChunk().getText()));
        return text.toString();
    }

    private static int[] tokens(List<GenerateEvent> events) {
        return events.stream().filter(GenerateEvent::hasChunk)
                .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue)).toArray();
    }

    private static List<Integer> boxed(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }
}
