package dev.specula.drafter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.drafter.testing.VerifierAndDrafter;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.CascadeMetric;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DraftLengthMode;
import dev.specula.proto.v1.DraftSourceKind;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.RunningService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The drafter's policies against a real verifier: hybrid drafting with adaptive lengths and the cascade's
 * escalation keep greedy output identical to target-only; entropy-adaptive and an unescalated cascade report the
 * tokens the small model decided alone; every summary says which source and length policy ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrafterPoliciesGrpcTest {
    private static final int MAX_NEW = 40;
    /** Repeats itself, so the hybrid's lookup finds matches. */
    private static final int[] PROMPT = IntStream.range(0, 48).map(i -> "int x = a + b; ".charAt(i % 15)).toArray();

    private RunningService verifier;
    private RunningService drafter;
    private DecoderModel target;
    private DecoderModel draft;

    @BeforeAll
    void start() {
        ModelPair pair = ModelPair.UNDER_TEST;
        VerifierAndDrafter services = VerifierAndDrafter.start(pair, Map.of(
                "specula.drafter.policy.ngram-min", "4",
                // Seeded replays and exact round shapes hold only with draft lengths that do not depend on the
                // machine's speed: no draft step deadline (DrafterStepDeadlineGrpcTest tests it).
                "specula.drafter.draft-step-deadline", "0"));
        verifier = services.verifier();
        drafter = services.drafter();
        target = DecoderModel.load(pair.verifier(), ExecutionSettings.defaults().withIntraOpThreads(2));
        draft = DecoderModel.load(pair.drafter(), ExecutionSettings.defaults().withIntraOpThreads(2));
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

    @Test
    void hybridDraftingWithAdaptiveLengthsEqualsTargetOnlyGreedy() {
        SpeculationPolicy policy = SpeculationPolicy.newBuilder().setDraftSource(DraftSourceKind.DRAFT_SOURCE_KIND_HYBRID)
                .setDraftLengthMode(DraftLengthMode.DRAFT_LENGTH_MODE_ADAPTIVE).setMaxDraftLength(8).build();
        List<GenerateEvent> events = events(request(Mode.MODE_SPECULATIVE, policy));

        assertThat(tokens(events)).containsExactly(targetOnly());
        GenerationSummary summary = summary(events);
        assertThat(summary.getDraftSource()).isEqualTo(DraftSourceKind.DRAFT_SOURCE_KIND_HYBRID);
        assertThat(summary.getDraftLengthMode()).isEqualTo(DraftLengthMode.DRAFT_LENGTH_MODE_ADAPTIVE);
        assertThat(summary.getStats().getDraftTokens()).isPositive();
        assertThat(summary.getStats().getMeanDraftLength()).isBetween(0.0, 8.0);
        assertThat(summary.getStats().getLargeModelTokenFraction()).isEqualTo(1.0);
    }

    /**
     * Sampled requests with n-gram drafts: the drafts carry no distributions, so none cross the wire and the
     * verifier checks them against point masses; a fixed seed replays the same tokens.
     */
    @Test
    void sampledNgramDraftsCrossTheWireWithoutDistributionsAndReplay() {
        SpeculationPolicy policy = SpeculationPolicy.newBuilder().setDraftSource(DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM)
                .setNgramMin(3).build();
        DraftGenerateRequest request = request(Mode.MODE_SPECULATIVE, policy).toBuilder()
                .setSampling(ProtoMapping.sampling(new SamplingParams(0.8, 0, 1.0, 77L))).build();

        List<GenerateEvent> first = events(request);
        List<GenerateEvent> second = events(request);

        assertThat(tokens(first)).hasSize(MAX_NEW).containsExactly(tokens(second));
        GenerationSummary summary = summary(first);
        assertThat(summary.getDraftSource()).isEqualTo(DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM);
        assertThat(summary.getStats().getNgramDrafts()).isPositive();
        assertThat(summary.getStats().getDraftTokens()).isPositive();
    }

    @Test
    void entropyAdaptiveCommitsTheSmallModelsSureTokensUnverified() {
        SpeculationPolicy policy = SpeculationPolicy.newBuilder().setEntropyWindow(4).setEntropyThreshold(100).build();
        List<GenerateEvent> events = events(request(Mode.MODE_ENTROPY_ADAPTIVE, policy));

        GenerationSummary summary = summary(events);
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_ENTROPY_ADAPTIVE);
        assertThat(summary.getStats().getUnverifiedTokens()).as("H = 100 nats trusts every drafted token").isPositive();
        assertThat(summary.getStats().getLargeModelTokenFraction()).isLessThan(0.5);
        assertThat(summary.getCompletionTokens()).isEqualTo(MAX_NEW);
        if (ModelPair.UNDER_TEST == ModelPair.TEST_TINY) {
            assertThat(tokens(events)).as("a model drafting for itself").containsExactly(targetOnly());
        }
    }

    @Test
    void aSureCascadeAnswerIsTheSmallModelsOwn() {
        double counted = cascades("answered");
        SpeculationPolicy policy = SpeculationPolicy.newBuilder()
                .setCascadeMetric(CascadeMetric.CASCADE_METRIC_MEAN_ENTROPY).setCascadeThreshold(100).build();
        List<GenerateEvent> events = events(request(Mode.MODE_CASCADE, policy));

        int[] smallAlone = InProcessDecoding.targetOnly(draft, PROMPT, SamplingParams.GREEDY,
                new StopCondition(MAX_NEW, new int[0])).tokens();
        assertThat(tokens(events)).containsExactly(smallAlone);
        GenerationSummary summary = summary(events);
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_CASCADE);
        assertThat(summary.getStats().getEscalations()).isZero();
        assertThat(summary.getStats().getUnverifiedTokens()).isEqualTo(MAX_NEW);
        assertThat(summary.getStats().getLargeModelTokenFraction()).isZero();
        assertThat(summary.getStats().getCascadeScore()).isBetween(0.0, 100.0);
        assertThat(cascades("answered")).isEqualTo(counted + 1);
    }

    @Test
    void anUnsureCascadeAnswerEscalatesAndTheVerifierDecides() {
        double counted = cascades("escalated");
        SpeculationPolicy policy = SpeculationPolicy.newBuilder()
                .setCascadeMetric(CascadeMetric.CASCADE_METRIC_MIN_PROBABILITY).setCascadeThreshold(0.9999)
                .setMaxDraftLength(16).build();
        List<GenerateEvent> events = events(request(Mode.MODE_CASCADE, policy));

        assertThat(tokens(events)).containsExactly(targetOnly());
        GenerationSummary summary = summary(events);
        assertThat(summary.getStats().getEscalations()).isEqualTo(1);
        assertThat(summary.getStats().getLargeModelTokenFraction()).isEqualTo(1.0);
        assertThat(summary.getStats().getDraftTokens()).as("the answer went to the verifier as drafts").isPositive();
        assertThat(cascades("escalated")).isEqualTo(counted + 1);
    }

    @Test
    void aMaxDraftLengthAboveTheLimitIsRefused() {
        SpeculationPolicy policy = SpeculationPolicy.newBuilder().setMaxDraftLength(17).build();
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> events(request(Mode.MODE_SPECULATIVE, policy)));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).contains("max_draft_length must be in 1..16");
    }

    private double cascades(String outcome) {
        var counter = drafter.bean(MeterRegistry.class).find("specula_drafter_cascade_requests")
                .tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private int[] targetOnly() {
        return InProcessDecoding.targetOnly(target, PROMPT, SamplingParams.GREEDY,
                new StopCondition(MAX_NEW, new int[0])).tokens();
    }

    private static DraftGenerateRequest request(Mode mode, SpeculationPolicy policy) {
        DraftGenerateRequest.Builder request = DraftGenerateRequest.newBuilder().setMode(mode)
                .setSampling(ProtoMapping.sampling(SamplingParams.GREEDY)).setMaxNewTokens(MAX_NEW).setIgnoreEos(true)
                .setPolicy(policy);
        IntStream.of(PROMPT).forEach(request::addPromptTokenIds);
        return request.build();
    }

    private List<GenerateEvent> events(DraftGenerateRequest request) {
        List<GenerateEvent> events = new ArrayList<>();
        DrafterGrpc.newBlockingStub(drafter.channel()).withDeadlineAfter(60, TimeUnit.SECONDS).generate(request)
                .forEachRemaining(events::add);
        return events;
    }

    private static GenerationSummary summary(List<GenerateEvent> events) {
        assertThat(events.stream().filter(GenerateEvent::hasSummary)).hasSize(1);
        assertThat(events.get(events.size() - 1).hasSummary()).isTrue();
        return events.get(events.size() - 1).getSummary();
    }

    private static int[] tokens(List<GenerateEvent> events) {
        return events.stream().filter(GenerateEvent::hasChunk)
                .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue)).toArray();
    }
}
