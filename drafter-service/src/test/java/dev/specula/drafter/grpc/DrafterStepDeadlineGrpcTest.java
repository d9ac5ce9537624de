package dev.specula.drafter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.engine.DraftSourceDecorator;
import dev.specula.drafter.testing.CancelAtFirstChunk;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.drafter.testing.VerifierAndDrafter;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationListener;

/**
 * The draft step deadline in the drafter service, against a real verifier service: with every draft step 500 ms
 * late (the default deadline is 50 ms) a speculative generation still completes, its greedy output is the
 * verifier's target-only output, and the misses are counted; a client that cancels while a draft step hangs (after
 * a late draft put the source on guard) ends its request and frees the verifier session at once, and the draft
 * source is freed once the step returns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrafterStepDeadlineGrpcTest {
    /**
     * What the next draft steps do: nothing, wait 500 ms, or hang until released after one late draft (drafts run
     * on the loop's thread until one is late; only then on a worker that can be given up on).
     */
    private enum Fault { NONE, DELAY, HANG_AFTER_A_LATE_DRAFT }

    private volatile Fault fault = Fault.NONE;
    private final CountDownLatch hung = new CountDownLatch(1);
    /** Draft sources created and not yet closed. */
    private final AtomicInteger openSources = new AtomicInteger();
    private RunningService verifier;
    private RunningService drafter;
    private VerifierEngine verifierEngine;

    @BeforeAll
    void start() {
        DraftSourceDecorator faulty = source -> new FaultyDraftSource(source);
        ApplicationListener<?> injectFaults = event -> {
            if (event instanceof ApplicationPreparedEvent prepared) {
                prepared.getApplicationContext().getBeanFactory().registerSingleton("faultyDrafts", faulty);
            }
        };
        VerifierAndDrafter services = VerifierAndDrafter.start(ModelPair.TEST_TINY, 1, Map.of(), Map.of(),
                List.of(injectFaults));
        verifier = services.verifier();
        drafter = services.drafter();
        verifierEngine = services.verifierEngine();
    }

    /** Every verifier session ends with its request, every draft source once its last (late) step returned. */
    @AfterEach
    void nothingIsLeftOpen() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(verifierEngine.openSessions()).as("verifier sessions").isZero());
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(openSources.get()).as("open draft sources").isZero());
    }

    @AfterAll
    void stop() {
        hung.countDown();
        for (AutoCloseable resource : new AutoCloseable[] {drafter, verifier}) {
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
    void withEveryDraftStep500MsLateTheGreedyOutputIsTargetOnlyAndTheMissesAreCounted() {
        int[] prompt = TestTokens.tokens(9, 41);
        double missesBefore = misses();
        fault = Fault.DELAY;

        List<GenerateEvent> speculative = new ArrayList<>();
        DrafterGrpc.newBlockingStub(drafter.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(request(prompt, 48, 4)).forEachRemaining(speculative::add);
        fault = Fault.NONE;

        assertThat(tokens(speculative)).as("speculative with a late drafter vs target-only")
                .containsExactly(targetOnly(prompt, 48));
        assertThat(speculative.get(speculative.size() - 1).getSummary().getCompletionTokens()).isEqualTo(48);
        assertThat(misses() - missesBefore).as("deadline misses: a late draft, then a drafter still busy with it")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aClientCancellingWhileADraftStepHangsEndsTheRequestAndFreesTheVerifierSession() throws Exception {
        fault = Fault.HANG_AFTER_A_LATE_DRAFT;
        CancelAtFirstChunk client = new CancelAtFirstChunk(() -> { });
        DrafterGrpc.newStub(drafter.channel()).withDeadlineAfter(60, TimeUnit.SECONDS).generate(
                request(TestTokens.tokens(5, 42), 1024, 4), client);

        assertThat(client.ended().get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> verifierEngine.openSessions() == 0);
        assertThat(openSources.get()).as("the hanging step's source is not closed under it").isEqualTo(1);
        fault = Fault.NONE;
        hung.countDown();
    }

    private double misses() {
        return drafter.bean(MeterRegistry.class).get("specula_drafter_step_deadline_misses").counter().count();
    }

    private int[] targetOnly(int[] prompt, int maxNewTokens) {
        TargetGenerateRequest.Builder request = TargetGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(SamplingParams.GREEDY)).setMaxNewTokens(maxNewTokens)
                .setIgnoreEos(true);
        IntStream.of(prompt).forEach(request::addPromptTokenIds);
        List<GenerateEvent> events = new ArrayList<>();
        VerifierGrpc.newBlockingStub(verifier.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(request.build()).forEachRemaining(events::add);
        return tokens(events);
    }

    private static DraftGenerateRequest request(int[] prompt, int maxNewTokens, int draftLength) {
        DraftGenerateRequest.Builder request = DraftGenerateRequest.newBuilder().setMode(Mode.MODE_SPECULATIVE)
                .setSampling(ProtoMapping.sampling(SamplingParams.GREEDY)).setMaxNewTokens(maxNewTokens)
                .setDraftLength(draftLength).setIgnoreEos(true);
        IntStream.of(prompt).forEach(request::addPromptTokenIds);
        return request.build();
    }

    private static int[] tokens(List<GenerateEvent> events) {
        return events.stream().filter(GenerateEvent::hasChunk)
                .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue)).toArray();
    }

    /** The real draft source, with the test's fault before each draft step. */
    private final class FaultyDraftSource implements DraftSource {
        private final DraftSource inner;
        private int calls;

        FaultyDraftSource(DraftSource inner) {
            this.inner = inner;
            openSources.incrementAndGet();
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
            return draft(committed, maxTokens, params, DraftStopRule.NEVER);
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
            try {
                switch (fault) {
                    case DELAY -> Thread.sleep(500);
                    case HANG_AFTER_A_LATE_DRAFT -> {
                        if (calls == 0) {
                            Thread.sleep(500);
                        } else {
                            hung.await();
                        }
                    }
                    case NONE -> { }
                }
                calls++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return inner.draft(committed, maxTokens, params, stop);
        }

        @Override
        public void close() {
            inner.close();
            openSources.decrementAndGet();
        }
    }
}
