package dev.specula.router.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.router.backend.BackendPool;
import dev.specula.router.backend.MeshBackends;
import dev.specula.router.config.FailoverProperties;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.router.plan.Chunk;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.GenerationSink;
import dev.specula.router.plan.RequestMode;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.policy.PolicyProperties;
import dev.specula.service.testing.RepoRoot;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Where the router sends each plan, and what it sends: drafter modes carry the whole plan, n-gram drafting runs
 * next to the verifier, target-only carries none, and a drafter that cannot be reached falls back to the verifier
 * drafting by n-gram lookup. Runs {@link GenerationService} over {@link MeshBackends} against the scripted fakes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyRoutingTest {
    private static final int[] PROMPT = {104, 105};
    private static final int[] OUTPUT = {120, 121, 122};

    private FakeBackends backends;
    private ManagedChannel channel;
    private TextTokenizer tokenizer;
    private GenerationService service;

    @BeforeAll
    void start() throws Exception {
        backends = new FakeBackends();
        channel = NettyChannelBuilder.forTarget(backends.target().replace("static://", "")).usePlaintext().build();
        tokenizer = TextTokenizer.load(ModelFolder.open(RepoRoot.path().resolve("models/test-tiny")));
        service = new GenerationService(new MeshBackends(channel, channel, Duration.ofSeconds(20)), tokenizer, true,
                new RouterMetrics(new SimpleMeterRegistry()), PolicyProperties.DEFAULTS, true, 0,
                FailoverProperties.DEFAULTS);
    }

    @AfterEach
    void reset() {
        backends.reset();
    }

    @AfterAll
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        backends.close();
        tokenizer.close();
    }

    @Test
    void drafterModesCarryTheWholePlan() {
        backends.drafter = FakeBackends.stream(List.of(OUTPUT), summary(policyStats()));
        SpeculationPlan plan = SpeculationPlan.DEFAULTS.withLengths(DraftLengthMode.ADAPTIVE, 3, 12).withEntropy(6, 0.7);

        Completion completion = run(request(RequestMode.ENTROPY_ADAPTIVE).withPlan(plan));

        assertThat(backends.drafterRequests).singleElement().satisfies(sent -> {
            assertThat(sent.getMode()).isEqualTo(Mode.MODE_ENTROPY_ADAPTIVE);
            assertThat(sent.getPolicy().getDraftLengthMode())
                    .isEqualTo(dev.specula.proto.v1.DraftLengthMode.DRAFT_LENGTH_MODE_ADAPTIVE);
            assertThat(sent.getPolicy().getMaxDraftLength()).isEqualTo(12);
            assertThat(sent.getPolicy().getEntropyWindow()).isEqualTo(6);
            assertThat(sent.getPolicy().getEntropyThreshold()).isEqualTo(0.7);
            assertThat(sent.getDraftLength()).isEqualTo(3);
        });
        assertThat(completion.mode()).isEqualTo(RequestMode.ENTROPY_ADAPTIVE);
        assertThat(completion.stats().unverifiedTokens()).isEqualTo(2);
        assertThat(completion.stats().largeModelTokenFraction()).isEqualTo(1.0 / 3);
        assertThat(completion.stats().draftSource()).isEqualTo("hybrid");
        assertThat(completion.stats().lengthMode()).isEqualTo("adaptive");
        assertThat(completion.stats().escalations()).isEqualTo(1);
    }

    @Test
    void aDrafterThatSendsNothingIsGivenUpOnAtTheFirstTokenTimeoutAndTheVerifierDecodes() throws Exception {
        CountDownLatch drafterCancelled = new CountDownLatch(1);
        backends.drafter = FakeBackends.silentUntilCancelled(drafterCancelled);
        backends.verifier = FakeBackends.stream(List.of(OUTPUT), summary(SpeculationStats.getDefaultInstance()));
        GenerationService impatient = new GenerationService(new MeshBackends(channel, channel, Duration.ofSeconds(20),
                Duration.ofMillis(300)), tokenizer, true, new RouterMetrics(new SimpleMeterRegistry()),
                PolicyProperties.DEFAULTS, false, 0, FailoverProperties.DEFAULTS);

        long start = System.nanoTime();
        Completion completion = run(impatient, request(RequestMode.SPECULATIVE));

        assertThat((System.nanoTime() - start) / 1e9).as("seconds until the fallback answered").isLessThan(5);
        assertThat(completion.mode()).isEqualTo(RequestMode.TARGET_ONLY);
        assertThat(completion.fallbackReason()).contains("DEADLINE_EXCEEDED");
        assertThat(completion.completionTokens()).isEqualTo(OUTPUT.length);
        assertThat(drafterCancelled.await(5, TimeUnit.SECONDS)).as("the hung drafter call was cancelled").isTrue();
    }

    @Test
    void aDrafterThatFallsSilentMidStreamIsGivenUpOnAndTheVerifierContinuesFromItsTokens() throws Exception {
        CountDownLatch drafterCancelled = new CountDownLatch(1);
        backends.drafter = FakeBackends.streamUntilCancelled(new int[] {OUTPUT[0]}, drafterCancelled);
        backends.verifier = FakeBackends.stream(List.of(Arrays.copyOfRange(OUTPUT, 1, OUTPUT.length)),
                summary(SpeculationStats.getDefaultInstance()));
        var breakers = io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.ofDefaults();
        GenerationService watched = new GenerationService(new MeshBackends(
                BackendPool.ofChannel("drafter", channel, breakers), BackendPool.ofChannel("verifier", channel, breakers),
                Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofMillis(300), "", 8), tokenizer, true,
                new RouterMetrics(new SimpleMeterRegistry()), PolicyProperties.DEFAULTS, false, 0,
                FailoverProperties.DEFAULTS);

        long start = System.nanoTime();
        Completion completion = run(watched, request(RequestMode.SPECULATIVE));

        assertThat((System.nanoTime() - start) / 1e9).as("the 300 ms stall deadline, not the 10 s first-token one")
                .isLessThan(5);
        assertThat(completion.completionTokens()).isEqualTo(OUTPUT.length);
        assertThat(completion.fallbackReason()).contains("DEADLINE_EXCEEDED").contains("after 1 tokens");
        assertThat(drafterCancelled.await(5, TimeUnit.SECONDS)).as("the silent drafter call was cancelled").isTrue();
        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> assertThat(
                sent.getPromptTokenIdsList().get(sent.getPromptTokenIdsCount() - 1)).isEqualTo(OUTPUT[0]));
    }

    @Test
    void aDrafterThatStreamsIsNotCutByTheFirstTokenTimeout() {
        backends.drafter = FakeBackends.stream(List.of(OUTPUT), summary(policyStats()));
        GenerationService impatient = new GenerationService(new MeshBackends(channel, channel, Duration.ofSeconds(20),
                Duration.ofMillis(300)), tokenizer, true, new RouterMetrics(new SimpleMeterRegistry()),
                PolicyProperties.DEFAULTS, false, 0, FailoverProperties.DEFAULTS);

        Completion completion = run(impatient, request(RequestMode.SPECULATIVE));

        assertThat(completion.mode()).isEqualTo(RequestMode.SPECULATIVE);
        assertThat(completion.fallbackReason()).isEmpty();
    }

    @Test
    void ngramDraftingRunsNextToTheVerifier() {
        backends.verifier = FakeBackends.stream(List.of(OUTPUT), summary(SpeculationStats.getDefaultInstance()));

        Completion completion = run(request(RequestMode.SPECULATIVE)
                .withPlan(SpeculationPlan.DEFAULTS.withDraftSource(DraftSourceKind.NGRAM)));

        assertThat(backends.drafterRequests).isEmpty();
        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> assertThat(
                sent.getPolicy().getDraftSource()).isEqualTo(dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM));
        assertThat(completion.mode()).isEqualTo(RequestMode.SPECULATIVE);
    }

    @Test
    void targetOnlyIsThePlainBaseline() {
        backends.verifier = FakeBackends.stream(List.of(OUTPUT), summary(SpeculationStats.getDefaultInstance()));

        run(request(RequestMode.TARGET_ONLY));

        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> assertThat(sent.hasPolicy()).isFalse());
    }

    @Test
    void anUnreachableDrafterFallsBackToTheVerifierDraftingByNgramLookup() {
        backends.drafter = FakeBackends.fail(Status.UNAVAILABLE.withDescription("drafter gone"));
        backends.verifier = FakeBackends.stream(List.of(OUTPUT), summary(SpeculationStats.getDefaultInstance()));

        Completion completion = run(request(RequestMode.CASCADE));

        assertThat(backends.verifierRequests).singleElement().satisfies(sent -> assertThat(
                sent.getPolicy().getDraftSource()).isEqualTo(dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM));
        assertThat(completion.mode()).isEqualTo(RequestMode.TARGET_ONLY);
        assertThat(completion.fallbackReason()).contains("drafter unavailable").contains("n-gram");
    }

    private Completion run(GenerationRequest request) {
        return run(service, request);
    }

    private static Completion run(GenerationService service, GenerationRequest request) {
        Completion[] done = new Completion[1];
        service.generate(request, new GenerationSink() {
            @Override
            public boolean chunk(Chunk chunk) {
                return true;
            }

            @Override
            public void complete(Completion completion) {
                done[0] = completion;
            }
        });
        return done[0];
    }

    private static GenerationRequest request(RequestMode mode) {
        return new GenerationRequest(PROMPT, mode, OUTPUT.length, SamplingParams.GREEDY, 3, true);
    }

    private static SpeculationStats policyStats() {
        return SpeculationStats.newBuilder().setRounds(1).setUnverifiedTokens(2).setLargeModelTokenFraction(1.0 / 3)
                .setEscalations(1).build();
    }

    private static GenerationSummary summary(SpeculationStats stats) {
        return GenerationSummary.newBuilder().setMode(Mode.MODE_SPECULATIVE)
                .setFinishReason(FinishReason.FINISH_REASON_LENGTH).setCompletionTokens(OUTPUT.length).setStats(stats)
                .setDraftSource(dev.specula.proto.v1.DraftSourceKind.DRAFT_SOURCE_KIND_HYBRID)
                .setDraftLengthMode(dev.specula.proto.v1.DraftLengthMode.DRAFT_LENGTH_MODE_ADAPTIVE).build();
    }
}
