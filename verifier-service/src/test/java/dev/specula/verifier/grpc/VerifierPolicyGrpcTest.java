package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftLengthMode;
import dev.specula.proto.v1.DraftSourceKind;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.testing.ModelPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The verifier's part in the speculation policies: each verdict reports the verifier's load, and Generate with
 * n-gram drafting runs the shared loop next to the target (the fallback when no drafter is reachable), with
 * greedy output identical to target-only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierPolicyGrpcTest {
    /** A prompt that repeats itself, so prompt lookup finds matches at once. */
    private static final int[] PROMPT = IntStream.range(0, 60).map(i -> "abcdefghij".charAt(i % 10)).toArray();

    private RunningService verifier;
    private DecoderModel target;

    @BeforeAll
    void start() {
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, Map.of(
                "specula.verifier.model-path", ModelPair.UNDER_TEST.verifier().toString(),
                "specula.verifier.intra-op-threads", "2"));
        target = DecoderModel.load(ModelPair.UNDER_TEST.verifier(), ExecutionSettings.defaults().withIntraOpThreads(2));
    }

    @AfterAll
    void stop() {
        if (target != null) {
            target.close();
        }
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void everyVerdictReportsTheVerifiersLoad() {
        SessionCall call = new SessionCall(verifier.channel());
        OpenSession.Builder open = OpenSession.newBuilder().setSampling(ProtoMapping.sampling(SamplingParams.GREEDY))
                .setMaxNewTokens(8);
        IntStream.of(PROMPT).forEach(open::addPromptTokenIds);
        call.open(open.build());
        RoundVerdict verdict = call.round(VerifyRound.newBuilder().setRound(1).build());
        assertThat(verdict.hasLoad()).isTrue();
        assertThat(verdict.getLoad().getRunningSessions()).as("this session at least").isGreaterThanOrEqualTo(1);
        assertThat(verdict.getLoad().getQueueDepth()).isGreaterThanOrEqualTo(0);
        call.completeAndAwaitEnd();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DraftLengthMode.class, names = {"DRAFT_LENGTH_MODE_FIXED", "DRAFT_LENGTH_MODE_ADAPTIVE"})
    void ngramDraftingNextToTheTargetEqualsTargetOnlyGreedy(DraftLengthMode lengthMode) {
        SpeculationPolicy policy = SpeculationPolicy.newBuilder()
                .setDraftSource(DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM)
                .setDraftLengthMode(lengthMode).setMaxDraftLength(8).setNgramMin(3).setNgramMax(16).build();
        List<GenerateEvent> events = generate(policy, 48);
        int[] expected = InProcessDecoding.targetOnly(target, PROMPT, SamplingParams.GREEDY,
                new StopCondition(48, new int[0])).tokens();

        assertThat(tokens(events)).containsExactly(expected);
        GenerationSummary summary = events.get(events.size() - 1).getSummary();
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_SPECULATIVE);
        assertThat(summary.getDraftSource()).isEqualTo(DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM);
        assertThat(summary.getDraftLengthMode()).isEqualTo(lengthMode);
        assertThat(summary.getStats().getNgramDrafts()).as("lookups that drafted").isPositive();
        assertThat(summary.getStats().getDraftTokens()).isPositive();
    }

    @Test
    void withoutAPolicyGenerateStaysTargetOnly() {
        List<GenerateEvent> events = generate(SpeculationPolicy.getDefaultInstance(), 16);
        GenerationSummary summary = events.get(events.size() - 1).getSummary();
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_TARGET_ONLY);
        assertThat(summary.getDraftSource()).isEqualTo(DraftSourceKind.DRAFT_SOURCE_KIND_NONE);
        assertThat(summary.getStats().getDrafts()).isZero();
    }

    private List<GenerateEvent> generate(SpeculationPolicy policy, int maxNewTokens) {
        TargetGenerateRequest.Builder request = TargetRequests.greedy(PROMPT, maxNewTokens).setPolicy(policy);
        List<GenerateEvent> events = new ArrayList<>();
        VerifierGrpc.newBlockingStub(verifier.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(request.build()).forEachRemaining(events::add);
        assertThat(events.get(events.size() - 1).hasSummary()).isTrue();
        return events;
    }

    private static int[] tokens(List<GenerateEvent> events) {
        return events.stream().filter(GenerateEvent::hasChunk)
                .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue)).toArray();
    }
}
