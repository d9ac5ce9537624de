package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A draft source held to a {@link DraftDeadline}. While the drafter keeps its deadline, drafts run on the loop's own
 * thread: handing every draft to a worker and waiting for it cost a lone generation 5-8% of its tokens/s through the
 * mesh (two thread wake-ups per round). There a drafter that is slow but moving stops itself in time: its stop rule
 * ends the draft before a next step that, at the pace of its steps so far, would end past the deadline, and the
 * round gets the tokens drafted so far. A draft that nevertheless ends late (one step that stalled) is still used,
 * since its time is spent, but counts as a miss and makes the source guarded.
 *
 * <p>Guarded, drafts run on a worker thread and the loop waits for each at most the deadline, because a single
 * draft-model step may itself hang. A draft that is late is given up on: the round gets {@link Draft#EMPTY} (a plain
 * step, lossless), and the round's stop rule ends the late draft at its next token. After
 * {@value #ON_TIME_TO_TRUST} drafts in a row in time, drafts run on the loop's thread again.
 *
 * <p>One draft at a time: while a late draft still runs, rounds go without (it counts as another miss) rather
 * than drafting concurrently on the same state. The next draft re-synchronises the source with the committed
 * tokens as after any rejection ({@link DraftSource}'s contract), so a late draft leaves nothing behind. A worker's
 * draft sees a copy of the committed tokens, since the loop keeps committing while a late draft runs.
 *
 * <p>After {@link DraftDeadline#missesBeforeBackoff} misses in a row the source drafts nothing until a number of
 * tokens have committed ({@link #plainStepsAhead}, which the loops fold into bursts of plain steps), then probes
 * again; each probe that misses doubles the backoff, a draft in time ends it.
 *
 * <p>Not thread-safe: one loop drives it. Closing it while a late draft runs defers the inner close until that
 * draft returns, so the inner source's state (a model session) is never freed under a running step.
 */
public final class DeadlineDraftSource implements DraftSource {
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(new DaemonThreads());
    /** Drafts in time in a row after which a guarded source drafts on the loop's thread again. */
    static final int ON_TIME_TO_TRUST = 8;
    private static final AtomicBoolean NEVER_GIVEN_UP = new AtomicBoolean();

    private final DraftSource source;
    private final DraftDeadline deadline;
    private final DeadlineListener listener;
    private final LongSupplier nanoClock;
    /** The draft the loop gave up on, while it may still run; null when none. */
    private CompletableFuture<Draft> late;
    private int missesInARow;
    private int nextBackoffTokens;
    /** The committed length below which the source does not draft (backoff); 0 when not backing off. */
    private long draftAgainAt;
    private boolean closed;
    /** Drafts run on a worker the loop waits for at most the deadline (after a late draft). */
    private boolean guarded;
    private int onTimeInARow;

    /**
     * @param nanoClock for the stop rule's pacing and for telling whether a draft on the loop's thread was late (a
     *                  guarded wait is in real time)
     */
    public DeadlineDraftSource(DraftSource source, DraftDeadline deadline, DeadlineListener listener,
                               LongSupplier nanoClock) {
        this(source, deadline, listener, nanoClock, false);
    }

    /** @param guarded start with drafts on the worker, as after a late draft */
    DeadlineDraftSource(DraftSource source, DraftDeadline deadline, DeadlineListener listener,
                        LongSupplier nanoClock, boolean guarded) {
        if (!deadline.enabled()) {
            throw new IllegalArgumentException("the deadline is off: use the source itself");
        }
        this.source = source;
        this.deadline = deadline;
        this.listener = listener;
        this.nanoClock = nanoClock;
        this.nextBackoffTokens = deadline.firstBackoffTokens();
        this.guarded = guarded;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        return draft(committed, maxTokens, params, DraftStopRule.NEVER);
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
        if (closed) {
            throw new IllegalStateException("draft source closed");
        }
        if (committed.length() < draftAgainAt) {
            listener.skipped();
            return Draft.EMPTY;
        }
        if (busy()) {
            return missed(committed);
        }
        late = null;
        if (!guarded) {
            return onThisThread(committed, maxTokens, params, stop);
        }
        TokenSequence snapshot = snapshot(committed);
        AtomicBoolean givenUp = new AtomicBoolean();
        DraftStopRule paced = new PacedStopRule(stop, givenUp, nanoClock.getAsLong());
        CompletableFuture<Draft> running = CompletableFuture.supplyAsync(
                () -> source.draft(snapshot, maxTokens, params, paced), WORKERS);
        try {
            Draft draft = running.get(deadline.deadlineNanos(), TimeUnit.NANOSECONDS);
            inTime();
            if (++onTimeInARow >= ON_TIME_TO_TRUST) {
                guarded = false;
            }
            return draft;
        } catch (TimeoutException e) {
            givenUp.set(true);
            late = running;
            return missed(committed);
        } catch (InterruptedException e) {
            givenUp.set(true);
            late = running;
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a draft", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A draft on the loop's thread; one that ends past the deadline is used, counted, and guards what follows. */
    private Draft onThisThread(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
        long start = nanoClock.getAsLong();
        PacedStopRule paced = new PacedStopRule(stop, NEVER_GIVEN_UP, start);
        Draft draft = source.draft(committed, maxTokens, params, paced);
        // A model draft's last step is its last stop-rule call; a source that never calls it takes one more reading.
        long end = paced.stepped() ? paced.lastStep : nanoClock.getAsLong();
        if (end - start > deadline.deadlineNanos()) {
            guarded = true;
            missed(committed);
        } else {
            inTime();
        }
        return draft;
    }

    private void inTime() {
        missesInARow = 0;
        nextBackoffTokens = deadline.firstBackoffTokens();
        draftAgainAt = 0;
    }

    /** Whether drafts run on a worker the loop waits for at most the deadline (for tests). */
    boolean guarded() {
        return guarded;
    }

    /**
     * Plain steps this source will sit out once the current round commits its own token: the loop may ask the
     * verifier for that many extra plain steps in the same round trip.
     */
    @Override
    public int plainStepsAhead(TokenSequence committed) {
        return (int) Math.max(0, draftAgainAt - committed.length() - 1);
    }

    /** A copy with the same prompt: the loop appends to {@code committed} while a late draft may still read. */
    private static TokenSequence snapshot(TokenSequence committed) {
        TokenSequence copy = new TokenSequence(committed.slice(0, committed.promptLength()));
        int[] generated = committed.generated();
        copy.append(generated, 0, generated.length);
        return copy;
    }

    /** Whether a draft the loop gave up on is still running (for diagnostics and tests). */
    public boolean busy() {
        return late != null && !late.isDone();
    }

    private Draft missed(TokenSequence committed) {
        listener.missed();
        missesInARow++;
        onTimeInARow = 0;
        if (missesInARow >= deadline.missesBeforeBackoff()) {
            draftAgainAt = committed.length() + (long) nextBackoffTokens;
            nextBackoffTokens = Math.min(deadline.maxBackoffTokens(), nextBackoffTokens * 2);
        }
        return Draft.EMPTY;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (busy()) {
            late.whenComplete((draft, failure) -> source.close());
        } else {
            source.close();
        }
    }

    /**
     * The round's own stop rule, and stop once the loop gave up, or before a step that at the drafter's pace
     * would end past the deadline. The pace is the quickest step seen this round (the first one includes the
     * source's catching up with the committed tokens), so one step slowed by a busy machine does not cut every
     * draft after it. Timing is independent of the verifier's randomness, so cutting here keeps speculation
     * lossless like any other stop rule; it does make the draft lengths, and so a seeded sampled replay, depend on
     * timing once the drafter nears its deadline.
     */
    private final class PacedStopRule implements DraftStopRule {
        private final DraftStopRule inner;
        private final AtomicBoolean givenUp;
        private final long endsAt;
        private long lastStep;
        private long pace = Long.MAX_VALUE;
        private boolean stepped;

        PacedStopRule(DraftStopRule inner, AtomicBoolean givenUp, long start) {
            this.inner = inner;
            this.givenUp = givenUp;
            this.endsAt = start + deadline.deadlineNanos();
            this.lastStep = start;
        }

        @Override
        public boolean stopAfter(int index, float confidence) {
            boolean stop = inner.stopAfter(index, confidence);
            long now = nanoClock.getAsLong();
            pace = Math.min(pace, now - lastStep);
            lastStep = now;
            stepped = true;
            return stop || givenUp.get() || now - endsAt + pace > 0;
        }

        boolean stepped() {
            return stepped;
        }
    }

    private static final class DaemonThreads implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "draft-deadline-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
