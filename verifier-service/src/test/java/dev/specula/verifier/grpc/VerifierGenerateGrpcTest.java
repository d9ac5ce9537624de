package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.runtime.speculation.Generation;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.TestTokens;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Target-only {@code Generate} over a real gRPC port: chunks then exactly one summary, token for token what
 * {@link InProcessDecoding#targetOnly} produces on the same model, and refusals with INVALID_ARGUMENT.
 */
class VerifierGenerateGrpcTest extends RunningVerifierTest {
    private static final int CAP = 1024;

    @Override
    Map<String, String> verifierProperties() {
        return Map.of("specula.verifier.max-new-tokens-cap", Integer.toString(CAP));
    }

    @Test
    void greedyStreamsOneTokenPerChunkThenASummaryAndEqualsInProcessTargetOnly() {
        int[] prompt = TestTokens.tokens(11, 21);
        List<GenerateEvent> events = generate(request(prompt, SamplingParams.GREEDY, 40, true));

        Generation expected = InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY,
                new StopCondition(40, new int[0]));
        assertThat(chunkTokens(events)).containsExactly(expected.tokens());
        assertThat(events.subList(0, events.size() - 1)).as("every event but the last is a one-token chunk")
                .allSatisfy(e -> assertThat(e.getChunk().getTokenIdsCount()).isEqualTo(1));
        GenerationSummary summary = events.get(events.size() - 1).getSummary();
        assertThat(summary.getMode()).isEqualTo(Mode.MODE_TARGET_ONLY);
        assertThat(summary.getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_LENGTH);
        assertThat(summary.getPromptTokens()).isEqualTo(prompt.length);
        assertThat(summary.getCompletionTokens()).isEqualTo(40);
        assertThat(summary.getStats().getRounds()).as("a plain decoding step per token").isEqualTo(40);
        assertThat(summary.getStats().getDrafts()).isZero();
    }

    @Test
    void sampledWithASeedEqualsInProcessTargetOnlyWithTheSameSeed() {
        int[] prompt = TestTokens.tokens(7, 22);
        SamplingParams params = new SamplingParams(0.8, 40, 0.95, 1234L);
        List<GenerateEvent> events = generate(request(prompt, params, 32, true));

        Generation expected = InProcessDecoding.targetOnly(target, prompt, params, new StopCondition(32, new int[0]));
        assertThat(chunkTokens(events)).containsExactly(expected.tokens());
    }

    @Test
    void stoppingAtEndOfSequenceMatchesInProcessTargetOnlyWithTheModelsStopTokens() {
        int[] prompt = TestTokens.tokens(5, 23);
        SamplingParams params = new SamplingParams(1.0, 0, 1.0, 99L);
        List<GenerateEvent> events = generate(request(prompt, params, 200, false));

        Generation expected = InProcessDecoding.targetOnly(target, prompt, params,
                new StopCondition(200, target.generationConfig().eosTokenIds()));
        assertThat(chunkTokens(events)).containsExactly(expected.tokens());
        FinishReason finish = events.get(events.size() - 1).getSummary().getFinishReason();
        assertThat(finish).isEqualTo(ProtoMapping.finishReason(expected.outcome().finishReason()));
    }

    /**
     * The client cancels on the first chunk of a {@value #CAP}-token generation: the session is freed, and because
     * the generation stopped rather than ran to its end, fewer than {@value #CAP} tokens were generated.
     */
    @Test
    void aClientCancellingMidStreamStopsTheGenerationAndFreesTheSession() {
        Counter generated = verifier.bean(MeterRegistry.class).get("specula_verifier_target_only_tokens").counter();
        double generatedBefore = generated.count();
        int[] prompt = TestTokens.tokens(5, 24);
        Context.CancellableContext context = Context.current().withCancellation();
        int[] openDuringStream = {-1};
        context.run(() -> {
            Iterator<GenerateEvent> events = VerifierGrpc.newBlockingStub(verifier.channel())
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .generate(request(prompt, SamplingParams.GREEDY, CAP, true));
            assertThat(events.next().hasChunk()).isTrue();
            openDuringStream[0] = engine.openSessions();
            context.cancel(null);
        });
        assertThat(openDuringStream[0]).as("open sessions while streaming").isEqualTo(1);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> engine.openSessions() == 0);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> generated.count() > generatedBefore);
        assertThat(generated.count() - generatedBefore).as("tokens generated before the cancel").isLessThan(CAP);
    }

    static Stream<Arguments> invalidRequests() {
        int[] ok = TestTokens.tokens(4, 25);
        return Stream.of(
                Arguments.of("empty prompt", request(new int[0], SamplingParams.GREEDY, 8, false), "prompt is empty"),
                Arguments.of("prompt reaching the context",
                        request(TestTokens.tokens(CONTEXT, 26), SamplingParams.GREEDY, 1, false),
                        "reaches the model context of " + CONTEXT),
                Arguments.of("max_new_tokens 0", request(ok, SamplingParams.GREEDY, 0, false), "1.." + CAP + ", got 0"),
                Arguments.of("max_new_tokens above the cap", request(ok, SamplingParams.GREEDY, CAP + 1, false),
                        "1.." + CAP + ", got " + (CAP + 1)),
                Arguments.of("temperature < 0", request(ok, SamplingParams.GREEDY, 8, false).toBuilder()
                        .setSampling(VerifierSessionGrpcTest.proto(-1, 0, 1)).build(), "temperature"),
                Arguments.of("top_p > 1", request(ok, SamplingParams.GREEDY, 8, false).toBuilder()
                        .setSampling(VerifierSessionGrpcTest.proto(0.5, 0, 1.01)).build(), "top_p must be in (0, 1]"),
                Arguments.of("prompt token out of range", request(new int[] {0, VOCAB + 1}, SamplingParams.GREEDY, 8,
                        false), "token id " + (VOCAB + 1) + " outside the vocabulary [0, " + VOCAB + ")"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void anInvalidRequestIsRefusedWithInvalidArgument(String name, TargetGenerateRequest request, String description) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> generate(request));
        assertThat(error).as(name).isNotNull();
        assertThat(error.getStatus().getCode()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).as(name).contains(description);
    }

    private List<GenerateEvent> generate(TargetGenerateRequest request) {
        List<GenerateEvent> events = new ArrayList<>();
        VerifierGrpc.newBlockingStub(verifier.channel()).withDeadlineAfter(60, TimeUnit.SECONDS).generate(request)
                .forEachRemaining(events::add);
        assertThat(events).as("events").isNotEmpty();
        assertThat(events.get(events.size() - 1).hasSummary()).as("the last event is the summary").isTrue();
        assertThat(events.stream().filter(GenerateEvent::hasSummary)).as("summaries").hasSize(1);
        return events;
    }

    private static int[] chunkTokens(List<GenerateEvent> events) {
        return events.stream().filter(GenerateEvent::hasChunk)
                .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue)).toArray();
    }

    private static TargetGenerateRequest request(int[] prompt, SamplingParams params, int maxNewTokens,
                                                 boolean ignoreEos) {
        return TargetRequests.of(prompt, params, maxNewTokens, ignoreEos).build();
    }
}
