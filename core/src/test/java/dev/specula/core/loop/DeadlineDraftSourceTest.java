package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.SamplingParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-round draft deadline in both loops: a late or wedged drafter turns rounds into plain steps without
 * changing a token, misses are counted, a drafter that keeps missing is backed off in bursts of plain steps, a
 * slow but moving drafter sends what it drafted in time, and a late draft never runs into the source's close.
 * Late drafts block on latches, so whether a round misses never depends on the machine's speed.
 */
class DeadlineDraftSourceTest {
    private static final int[] PROMPT = {0, 3, 1};
    /** Blocked drafts always miss it; drafts that are not blocked take microseconds, so never do. */
    private static final long DEADLINE = TimeUnit.MILLISECONDS.toNanos(200);
    private final ToyLanguageModel greedy = new ToyLanguageModel(SamplingParams.GREEDY);
    private final List<LateDraftSource> toRelease = new ArrayList<>();

    @AfterEach
    void releaseBlockedDrafts() {
        toRelease.forEach(LateDraftSource::release);
    }

    private static final class Counting implements DeadlineListener {
        final AtomicInteger misses = new AtomicInteger();
        final AtomicInteger skips = new AtomicInteger();
        Runnable onMiss = () -> { };

        @Override
        public void missed() {
            misses.incrementAndGet();
            onMiss.run();
        }

        @Override
        public void skipped() {
            skips.incrementAndGet();
        }
    }

    /**
     * A source that starts guarded, as after a late draft: these tests hang a draft on a latch, which only a draft
     * on a worker can be given up on (on the loop's thread it would block the test).
     */
    private static DeadlineDraftSource guarded(DraftSource source, DraftDeadline deadline, DeadlineListener listener) {
        return new DeadlineDraftSource(source, deadline, listener, System::nanoTime, true);
    }

    private LateDraftSource late(IntPredicate which) {
        LateDraftSource source = new LateDraftSource(new ToyDraftSource(greedy), which);
        toRelease.add(source);
        return source;
    }

    /** Lets the late draft return and waits until the deadline source has seen it end. */
    private static void finishLateDraft(LateDraftSource source, DeadlineDraftSource drafter) {
        source.release();
        source.awaitReturned();
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (drafter.busy()) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("the late draft returned but never completed");
            }
            Thread.onSpinWait();
        }
    }

    private GenerationOutcome run(DraftSource drafter, VerifierChannel verifier, int k, TokenSequence committed,
                                  int maxNewTokens, TokenSink sink) {
        return new SpeculationLoop(drafter, verifier, new FixedDraftLength(k))
                .run(committed, SamplingParams.GREEDY, new StopCondition(maxNewTokens, new int[0]), sink);
    }

    @Test
    void draftsInTimeRunOnTheLoopsOwnThread() {
        ThreadRecording source = new ThreadRecording(new ToyDraftSource(greedy), null, 0);
        Counting listener = new Counting();
        DeadlineDraftSource drafter = new DeadlineDraftSource(source, new DraftDeadline(DEADLINE, 2, 4, 8), listener,
                System::nanoTime);
        TokenSequence committed = new TokenSequence(PROMPT);

        run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false), 4, committed, 30,
                tokens -> true);

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 30), committed.generated());
        assertTrue(source.threads.size() > 3);
        assertTrue(source.threads.stream().allMatch(Thread.currentThread()::equals), "no hand-off per round");
        assertEquals(0, listener.misses.get());
        assertFalse(drafter.guarded());
    }

    @Test
    void aDraftThatEndsLateIsUsedAndCountedAndDraftsRunOnAWorkerUntilEnoughAreInTimeAgain() {
        // The first draft's step stalls for twice the deadline on the source's clock: it ends late on the loop's
        // thread (nothing could give up on it there), so its token is used, it counts, and the source is guarded.
        AtomicLong now = new AtomicLong();
        ThreadRecording source = new ThreadRecording(new ToyDraftSource(greedy), now, 2 * DEADLINE);
        Counting listener = new Counting();
        DeadlineDraftSource drafter = new DeadlineDraftSource(source, new DraftDeadline(DEADLINE, 2, 4, 8), listener,
                now::get);
        TokenSequence committed = new TokenSequence(PROMPT);

        GenerationOutcome outcome = run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                4, committed, 80, tokens -> true);

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 80), committed.generated());
        assertEquals(1, listener.misses.get());
        List<Thread> threads = source.threads;
        assertEquals(threads.size(), outcome.stats().drafts(), "every draft went to the verifier, the late one too");
        int trust = DeadlineDraftSource.ON_TIME_TO_TRUST;
        assertTrue(threads.size() > trust + 2, "rounds: " + threads.size());
        assertEquals(Thread.currentThread(), threads.get(0));
        assertTrue(threads.subList(1, 1 + trust).stream().noneMatch(Thread.currentThread()::equals),
                "guarded: on a worker");
        assertTrue(threads.subList(1 + trust, threads.size()).stream().allMatch(Thread.currentThread()::equals),
                "trusted again after " + trust + " drafts in time");
    }

    /** Records the thread of every draft; the first may first move {@code clock} on by {@code stall}. */
    private static final class ThreadRecording implements DraftSource {
        final List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final DraftSource inner;
        private final AtomicLong clock;
        private final long stall;

        ThreadRecording(DraftSource inner, AtomicLong clock, long stall) {
            this.inner = inner;
            this.clock = clock;
            this.stall = stall;
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
            return draft(committed, maxTokens, params, DraftStopRule.NEVER);
        }

        @Override
        public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
            if (threads.isEmpty() && clock != null) {
                clock.addAndGet(stall);
            }
            threads.add(Thread.currentThread());
            return inner.draft(committed, maxTokens, params, stop);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aWedgedDrafterCostsPlainRoundsInGrowingBurstsAndChangesNoToken() {
        LateDraftSource wedged = late(call -> call == 0);
        Counting listener = new Counting();
        List<Integer> roundSizes = new ArrayList<>();
        DraftSource drafter = guarded(wedged, new DraftDeadline(DEADLINE, 2, 4, 8), listener);
        TokenSequence committed = new TokenSequence(PROMPT);

        GenerationOutcome outcome = run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                4, committed, 40, tokens -> roundSizes.add(tokens.length));

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 40), committed.generated());
        assertEquals(FinishReason.LENGTH, outcome.finishReason());
        assertEquals(1, wedged.calls(), "the wedged draft is never joined by another one");
        // A miss waiting for the deadline, a miss finding it still busy (backoff: 4 tokens), then probes that find
        // it busy, each followed by a burst twice as long up to 8 tokens; the last one is cut at the budget.
        assertEquals(List.of(1, 4, 8, 8, 8, 8, 3), roundSizes);
        assertEquals(7, listener.misses.get());
        assertEquals(0, outcome.stats().drafts());
    }

    @Test
    void aLateDraftIsGivenUpAndTheNextRoundDraftsAgainFromTheCommittedTokens() {
        LateDraftSource source = late(call -> call % 3 == 1);
        Counting listener = new Counting();
        DeadlineDraftSource drafter = guarded(source, new DraftDeadline(DEADLINE, 2, 4, 8), listener);
        // The late draft returns (into nothing) before the loop goes on, so the next round finds the drafter free.
        listener.onMiss = () -> finishLateDraft(source, drafter);
        TokenSequence committed = new TokenSequence(PROMPT);

        GenerationOutcome outcome = run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                3, committed, 24, tokens -> true);

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 24), committed.generated());
        assertEquals(source.calls(), outcome.stats().rounds(), "every round asked for a draft: no backoff");
        assertEquals((source.calls() + 1) / 3, listener.misses.get(), "every third draft was late");
        assertEquals(outcome.stats().rounds() - listener.misses.get(), outcome.stats().drafts());
        assertEquals(0, listener.skips.get());
    }

    @Test
    void aSlowButMovingDrafterSendsTheTokensItDraftedBeforeTheDeadline() {
        // Each clock reading is 3 s later: after 3 tokens a 4th would end past the 10 s deadline, so drafts are cut
        // there. The real wait (10 s) is never reached by the toy drafter.
        AtomicLong now = new AtomicLong();
        Counting listener = new Counting();
        DraftSource drafter = new DeadlineDraftSource(new ToyDraftSource(greedy),
                new DraftDeadline(TimeUnit.SECONDS.toNanos(10), 2, 4, 8), listener,
                () -> now.addAndGet(TimeUnit.SECONDS.toNanos(3)));
        TokenSequence committed = new TokenSequence(PROMPT);

        GenerationOutcome outcome = run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                8, committed, 50, tokens -> true);

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 50), committed.generated());
        assertTrue(outcome.stats().drafts() > 0);
        assertEquals(3 * outcome.stats().drafts(), outcome.stats().draftTokens());
        assertEquals(0, listener.misses.get());
    }

    @Test
    void theDrafterIsProbedAgainAfterTheBackoffAndDraftsOnceItIsInTime() {
        LateDraftSource source = late(call -> call < 2);
        Counting listener = new Counting();
        DeadlineDraftSource drafter = guarded(source, new DraftDeadline(DEADLINE, 2, 5, 20), listener);
        listener.onMiss = () -> finishLateDraft(source, drafter);
        TokenSequence committed = new TokenSequence(PROMPT);
        List<Integer> roundSizes = new ArrayList<>();

        GenerationOutcome outcome = run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                2, committed, 30, tokens -> roundSizes.add(tokens.length));

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 30), committed.generated());
        assertEquals(2, listener.misses.get());
        assertEquals(List.of(1, 5), roundSizes.subList(0, 2), "two late rounds, then a 5-token burst");
        assertEquals(outcome.stats().rounds() - 2, outcome.stats().drafts(), "every round after the burst drafted");
        assertEquals(source.calls(), outcome.stats().rounds());
    }

    @Test
    void theDeadlineHoldsInThePipelinedLoopToo() {
        LateDraftSource wedged = late(call -> call == 0);
        Counting listener = new Counting();
        DraftSource drafter = guarded(wedged, new DraftDeadline(DEADLINE, 2, 4, 16), listener);
        TokenSequence committed = new TokenSequence(PROMPT);

        GenerationOutcome outcome = new PipelinedSpeculationLoop(drafter, new InOrderPipelinedChannel(
                new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false)), new FixedDraftLength(4), 2,
                System::nanoTime).run(committed, SamplingParams.GREEDY, new StopCondition(40, new int[0]),
                tokens -> true);

        assertArrayEquals(ToyLanguageModel.targetOnlyGreedy(PROMPT, 40), committed.generated());
        assertEquals(1, wedged.calls());
        assertTrue(listener.misses.get() >= 2);
        assertTrue(outcome.stats().rounds() < 40, "backed-off rounds come in bursts: " + outcome.stats().rounds());
    }

    @Test
    void aGenerationCancelledWhileADraftHangsEndsAndTheSourceClosesOnlyAfterTheDraftReturns() throws Exception {
        LateDraftSource wedged = late(call -> call == 0);
        DraftSource drafter = guarded(wedged, new DraftDeadline(DEADLINE, 2, 4, 8), DeadlineListener.NONE);
        TokenSequence committed = new TokenSequence(PROMPT);

        GenerationOutcome outcome = run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false),
                4, committed, 40, tokens -> false);
        drafter.close();

        assertEquals(FinishReason.CANCELLED, outcome.finishReason());
        assertEquals(1, committed.generatedLength());
        assertFalse(wedged.isClosed(), "closing under a running draft step would free its state");
        wedged.release();
        assertTrue(wedged.awaitClosed(), "closed once the late draft returned");
    }

    @Test
    void aSourceWithNoLateDraftClosesAtOnceAndAZeroDeadlineIsNoWrapper() {
        LateDraftSource never = late(call -> false);
        DraftSource drafter = DraftDeadline.of(Duration.ofMillis(50)).wrap(never, DeadlineListener.NONE);
        run(drafter, new ToyVerifierChannel(greedy, PROMPT, SamplingParams.GREEDY, false), 4,
                new TokenSequence(PROMPT), 10, tokens -> true);
        drafter.close();
        assertTrue(never.isClosed());

        assertSame(never, DraftDeadline.of(Duration.ZERO).wrap(never, DeadlineListener.NONE));
    }
}
