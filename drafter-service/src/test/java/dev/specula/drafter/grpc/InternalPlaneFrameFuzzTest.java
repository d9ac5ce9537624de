package dev.specula.drafter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.drafter.testing.ModelPair;
import dev.specula.drafter.testing.VerifierAndDrafter;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.LoadRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.SamplingParams;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.service.testing.FrameFuzzer;
import dev.specula.service.testing.FuzzOutcomes;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.engine.VerifierEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Random and mutated protobuf frames to every Verifier and Drafter method on real TCP ports (RELIABILITY.md #20 d):
 * each call ends with a refusal (or OK, when the bytes happen to form an acceptable request) before its deadline,
 * never UNKNOWN or INTERNAL, no verifier session is left open, and both services answer a valid request afterwards.
 * Fixed seed: the same frames every run. Small caps keep any accidentally valid generation short.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InternalPlaneFrameFuzzTest {
    private static final long SEED = 20_261_122L;
    private static final int CALLS_PER_METHOD = 30;
    private static final long DEADLINE_MILLIS = 10_000;
    private static final SamplingParams GREEDY = SamplingParams.getDefaultInstance();

    private RunningService verifier;
    private RunningService drafter;

    @BeforeAll
    void start() {
        VerifierAndDrafter services = VerifierAndDrafter.start(ModelPair.UNDER_TEST, 1,
                Map.of("specula.verifier.max-new-tokens-cap", "8"), Map.of("specula.drafter.max-new-tokens-cap", "8"),
                List.of());
        verifier = services.verifier();
        drafter = services.drafter();
    }

    @AfterAll
    void stop() {
        if (drafter != null) {
            drafter.close();
        }
        if (verifier != null) {
            verifier.close();
        }
    }

    @Test
    void verifierFramesGetAStatusAndTheVerifierKeepsServing() {
        SessionRequest open = SessionRequest.newBuilder().setOpen(OpenSession.newBuilder()
                .addAllPromptTokenIds(List.of(5, 6, 7)).setSampling(GREEDY).setMaxNewTokens(4)).build();
        Map<String, byte[]> valid = Map.of(
                VerifierGrpc.getSessionMethod().getFullMethodName(), open.toByteArray(),
                VerifierGrpc.getGenerateMethod().getFullMethodName(), TargetGenerateRequest.newBuilder()
                        .addAllPromptTokenIds(List.of(5, 6, 7)).setSampling(GREEDY).setMaxNewTokens(4).build()
                        .toByteArray(),
                VerifierGrpc.getLoadMethod().getFullMethodName(), LoadRequest.getDefaultInstance().toByteArray());

        List<FrameFuzzer.Outcome> outcomes = new FrameFuzzer(verifier.channel(), SEED, DEADLINE_MILLIS)
                .fuzz(VerifierGrpc.getServiceDescriptor(), valid, CALLS_PER_METHOD);

        FuzzOutcomes.assertEveryCallEndedWithAStatus(outcomes);
        VerifierEngine engine = verifier.bean(VerifierEngine.class);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(engine.openSessions()).as("sessions left open").isZero());
        List<GenerateEvent> events = new ArrayList<>();
        VerifierGrpc.newBlockingStub(verifier.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(TargetGenerateRequest.newBuilder().addAllPromptTokenIds(List.of(5, 6, 7))
                        .setSampling(GREEDY).setMaxNewTokens(4).setIgnoreEos(true).build())
                .forEachRemaining(events::add);
        assertThat(events.get(events.size() - 1).getSummary().getCompletionTokens()).isEqualTo(4);
    }

    @Test
    void drafterFramesGetAStatusAndTheDrafterKeepsServing() {
        DraftGenerateRequest request = DraftGenerateRequest.newBuilder().addAllPromptTokenIds(List.of(5, 6, 7))
                .setSampling(GREEDY).setMaxNewTokens(4).setMode(Mode.MODE_SPECULATIVE).setDraftLength(2)
                .setIgnoreEos(true).build();
        Map<String, byte[]> valid = Map.of(DrafterGrpc.getGenerateMethod().getFullMethodName(),
                request.toByteArray());

        List<FrameFuzzer.Outcome> outcomes = new FrameFuzzer(drafter.channel(), SEED, DEADLINE_MILLIS)
                .fuzz(DrafterGrpc.getServiceDescriptor(), valid, CALLS_PER_METHOD);

        FuzzOutcomes.assertEveryCallEndedWithAStatus(outcomes);
        List<GenerateEvent> events = new ArrayList<>();
        DrafterGrpc.newBlockingStub(drafter.channel()).withDeadlineAfter(30, TimeUnit.SECONDS).generate(request)
                .forEachRemaining(events::add);
        assertThat(events.get(events.size() - 1).getSummary().getCompletionTokens()).isEqualTo(4);
        VerifierEngine engine = verifier.bean(VerifierEngine.class);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(engine.openSessions()).as("sessions left open").isZero());
    }
}
