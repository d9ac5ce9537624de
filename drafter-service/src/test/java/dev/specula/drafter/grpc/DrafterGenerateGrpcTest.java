package dev.specula.drafter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.testing.CancelAtFirstChunk;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.drafter.testing.VerifierAndDrafter;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
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
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The drafter service against a real verifier service in the same JVM, both on loopback ports: speculative
 * greedy output equals target-only greedy output, draft-only decodes the small model alone, bad input is
 * INVALID_ARGUMENT, a missing verifier is UNAVAILABLE, and a client going away frees the verifier's session.
 * The last test stops the verifier, so it runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrafterGenerateGrpcTest {
    private static final int MAX_DRAFT_LENGTH = 16;

    private RunningService verifier;
    private RunningService drafter;
    private VerifierEngine verifierEngine;
    private DecoderModel target;
    private DecoderModel draft;

    @BeforeAll
    void start() {
        ModelPair pair = ModelPair.UNDER_TEST;
        VerifierAndDrafter services = VerifierAndDrafter.start(pair, Map.of(
                "specula.drafter.max-draft-length", Integer.toString(MAX_DRAFT_LENGTH),
                // Seeded replays and exact round shapes hold only with draft lengths that do not depend on the
                // machine's speed: no draft step deadline (DrafterStepDeadlineGrpcTest tests it).
                "specula.drafter.draft-step-deadline", "0"));
        verifier = services.verifier();
        drafter = services.drafter();
        verifierEngine = services.verifierEngine();
        target = DecoderModel.load(pair.verifier(), ExecutionSettings.defaults().withIntraOpThreads(2));
        draft = DecoderModel.load(pair.drafter(), ExecutionSettings.defaults().withIntraOpThreads(2));
    }

    @AfterEach
    void theVerifierHasNoOpenSession() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(verifierEngine.openSessions()).as("verifier sessions").isZero());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable resource : new AutoCloseable[] {drafter, verifier, target, draft}) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception ignored) {
                // keep closing the others
            }
        }
    }

    @ParameterizedTest(name = "k = {0}")
    @ValueSource(ints = {1, 4, 8})
    void speculativeGreedyEqualsTargetOnlyGreedy(int k) {
        int[] prompt = TestTokens.tokens(9, k);
        List<GenerateEvent> speculative = events(drafter.channel(), request(prompt, Mode.MODE_SPECULATIVE,
                SamplingParams.GREEDY, 48, k, true));
        List<GenerateEvent> targetOnly = targetOnly(prompt, SamplingParams.GREEDY, 48, true);
        int[] inProcess = InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY,
                new StopCondition(48, new int[0])).tokens();

        assertThat(tokens(speculative)).as("speculative vs verifier target-only").containsExactly(tokens(targetOnly));
        assertThat(tokens(speculative)).as("speculative vs in-process target-only").containsExactly(inProcess);
        GenerationSummary summary = summary(speculative);
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_SPECULATIVE);
        assertThat(summary.getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_LENGTH);
        assertThat(summary.getCompletionTokens()).isEqualTo(48);
        assertThat(summary.getStats().getDrafts()).as("drafts").isPositive();
        assertThat(summary.getStats().getDraftTokens()).as("at most k tokens per draft")
                .isLessThanOrEqualTo((long) k * summary.getStats().getDrafts());
        List<GenerateEvent> chunks = speculative.subList(0, speculative.size() - 1);
        assertThat((long) chunks.size()).as("one chunk per round").isEqualTo(summary.getStats().getRounds());
        assertThat(chunks).as("a round commits 1..k+1 tokens").allSatisfy(e ->
                assertThat(e.getChunk().getTokenIdsCount()).isBetween(1, k + 1));
    }

    @Test
    void speculativeGreedyStopsAtEndOfSequenceExactlyWhereTargetOnlyDoes() {
        int[] prompt = TestTokens.tokens(6, 31);
        List<GenerateEvent> speculative = events(drafter.channel(), request(prompt, Mode.MODE_UNSPECIFIED,
                SamplingParams.GREEDY, 96, 0, false));
        List<GenerateEvent> targetOnly = targetOnly(prompt, SamplingParams.GREEDY, 96, false);

        assertThat(tokens(speculative)).containsExactly(tokens(targetOnly));
        assertThat(summary(speculative).getMode()).as("unspecified is read as speculative")
                .isEqualTo(Mode.MODE_SPECULATIVE);
        assertThat(summary(speculative).getFinishReason()).isEqualTo(summary(targetOnly).getFinishReason());
    }

    @Test
    void sampledSpeculativeWithAFixedSeedReplaysIdentically() {
        int[] prompt = TestTokens.tokens(8, 32);
        SamplingParams params = new SamplingParams(0.9, 50, 0.95, 2024L);
        DraftGenerateRequest request = request(prompt, Mode.MODE_SPECULATIVE, params, 40, 4, true);

        int[] first = tokens(events(drafter.channel(), request));
        int[] second = tokens(events(drafter.channel(), request));

        assertThat(first).hasSize(40);
        assertThat(second).containsExactly(first);
    }

    @Test
    void draftOnlyDecodesTheDraftModelAlone() {
        int[] prompt = TestTokens.tokens(7, 33);
        List<GenerateEvent> events = events(drafter.channel(), request(prompt, Mode.MODE_DRAFT_ONLY,
                SamplingParams.GREEDY, 32, 0, true));

        int[] expected = InProcessDecoding.targetOnly(draft, prompt, SamplingParams.GREEDY,
                new StopCondition(32, new int[0])).tokens();
        assertThat(tokens(events)).containsExactly(expected);
        GenerationSummary summary = summary(events);
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_DRAFT_ONLY);
        assertThat(summary.getStats().getDrafts()).isZero();
        assertThat(summary.getStats().getRounds()).isEqualTo(32);
    }

    static Stream<Arguments> invalidRequests() {
        int[] ok = TestTokens.tokens(5, 34);
        return Stream.of(
                Arguments.of("draft_length above the maximum",
                        request(ok, Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 8, MAX_DRAFT_LENGTH + 1, false),
                        "draft_length must be in 1.." + MAX_DRAFT_LENGTH + ", got " + (MAX_DRAFT_LENGTH + 1)),
                Arguments.of("negative draft_length",
                        request(ok, Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 8, -2, false),
                        "draft_length must be in 1.." + MAX_DRAFT_LENGTH + ", got -2"),
                Arguments.of("target-only sent to the drafter",
                        request(ok, Mode.MODE_TARGET_ONLY, SamplingParams.GREEDY, 8, 0, false),
                        "the drafter runs modes speculative and draft-only"),
                Arguments.of("unknown mode number",
                        request(ok, Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 8, 0, false).toBuilder()
                                .setModeValue(42).build(),
                        "the drafter runs modes speculative and draft-only"),
                Arguments.of("empty prompt",
                        request(new int[0], Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 8, 0, false),
                        "prompt is empty"),
                Arguments.of("max_new_tokens 0", request(ok, Mode.MODE_DRAFT_ONLY, SamplingParams.GREEDY, 0, 0, false),
                        "got 0"),
                Arguments.of("temperature < 0", request(ok, Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 8, 0, false)
                        .toBuilder().setSampling(dev.specula.proto.v1.SamplingParams.newBuilder().setTemperature(-1))
                        .build(), "temperature"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void anInvalidRequestIsRefusedWithInvalidArgument(String name, DraftGenerateRequest request, String description) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> events(drafter.channel(), request));
        assertThat(error).as(name).isNotNull();
        assertThat(error.getStatus().getCode()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).as(name).contains(description);
    }

    /**
     * The client cancels on the first chunk of a 1024-token generation (k = 1: at least 512 rounds). The
     * verifier's session must close, and because the generation was stopped rather than finished, fewer than
     * 1024 tokens were ever committed.
     */
    @Test
    void aClientCancellingMidStreamFreesTheVerifierSession() throws Exception {
        Counter committed = verifier.bean(MeterRegistry.class).get("specula_verifier_committed_tokens").counter();
        double committedBefore = committed.count();
        AtomicInteger sessionsAtFirstChunk = new AtomicInteger(-1);
        CancelAtFirstChunk client = new CancelAtFirstChunk(
                () -> sessionsAtFirstChunk.set(verifierEngine.openSessions()));
        DrafterGrpc.newStub(drafter.channel()).withDeadlineAfter(60, TimeUnit.SECONDS).generate(
                request(TestTokens.tokens(5, 35), Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 1024, 1, true), client);

        assertThat(client.ended().get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(sessionsAtFirstChunk.get()).as("verifier sessions while streaming").isEqualTo(1);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> verifierEngine.openSessions() == 0);
        assertThat(committed.count() - committedBefore).as("tokens the verifier committed before the cancel")
                .isLessThan(1024);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void withTheVerifierStoppedSpeculativeIsUnavailableAndDraftOnlyStillRuns() {
        verifier.close();
        int[] prompt = TestTokens.tokens(5, 36);

        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> events(
                drafter.channel(), request(prompt, Mode.MODE_SPECULATIVE, SamplingParams.GREEDY, 16, 4, true)));

        assertThat(error).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(error.getStatus().getDescription()).contains("no verifier reachable");
        List<GenerateEvent> draftOnly = events(drafter.channel(), request(prompt, Mode.MODE_DRAFT_ONLY,
                SamplingParams.GREEDY, 16, 0, true));
        assertThat(tokens(draftOnly)).hasSize(16);
    }

    private List<GenerateEvent> targetOnly(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos) {
        TargetGenerateRequest.Builder request = TargetGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(params)).setMaxNewTokens(maxNewTokens).setIgnoreEos(ignoreEos);
        IntStream.of(prompt).forEach(request::addPromptTokenIds);
        List<GenerateEvent> events = new ArrayList<>();
        VerifierGrpc.newBlockingStub(verifier.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(request.build()).forEachRemaining(events::add);
        summary(events);
        return events;
    }

    /** All events of one drafter generation; the last must be the only summary. */
    private static List<GenerateEvent> events(Channel channel, DraftGenerateRequest request) {
        List<GenerateEvent> events = new ArrayList<>();
        DrafterGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).generate(request)
                .forEachRemaining(events::add);
        summary(events);
        return events;
    }

    private static GenerationSummary summary(List<GenerateEvent> events) {
        assertThat(events).isNotEmpty();
        assertThat(events.stream().filter(GenerateEvent::hasSummary)).as("summaries").hasSize(1);
        assertThat(events.get(events.size() - 1).hasSummary()).as("the summary comes last").isTrue();
        return events.get(events.size() - 1).getSummary();
    }

    private static int[] tokens(List<GenerateEvent> events) {
        return events.stream().filter(GenerateEvent::hasChunk)
                .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue)).toArray();
    }

    static DraftGenerateRequest request(int[] prompt, Mode mode, SamplingParams params, int maxNewTokens,
                                                int draftLength, boolean ignoreEos) {
        DraftGenerateRequest.Builder request = DraftGenerateRequest.newBuilder().setMode(mode)
                .setSampling(ProtoMapping.sampling(params)).setMaxNewTokens(maxNewTokens)
                .setDraftLength(draftLength).setIgnoreEos(ignoreEos);
        IntStream.of(prompt).forEach(request::addPromptTokenIds);
        return request.build();
    }

}
