package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A draft source that is late on chosen calls: such a call blocks until {@link #release}d (or forever), then
 * drafts as the wrapped source does. Deterministic: a blocked call never finishes within any deadline, and
 * {@link #awaitReturned} lets a test wait until a late call has really returned.
 */
final class LateDraftSource implements DraftSource {
    private final DraftSource inner;
    private final IntPredicate late;
    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    /** One permit per release: a late call that starts after its release must not block. */
    private final Semaphore gate = new Semaphore(0);
    private final Semaphore returned = new Semaphore(0);

    /** @param late which calls (0-based) block until released */
    LateDraftSource(DraftSource inner, IntPredicate late) {
        this.inner = inner;
        this.late = late;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        return draft(committed, maxTokens, params, DraftStopRule.NEVER);
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
        if (late.test(calls.getAndIncrement())) {
            try {
                gate.acquire();
                return inner.draft(committed, maxTokens, params, stop);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                returned.release();
            }
        }
        return inner.draft(committed, maxTokens, params, stop);
    }

    /** Lets one late call go on, now or when it comes. */
    void release() {
        gate.release();
    }

    /** Waits until one more late call has returned. */
    void awaitReturned() {
        try {
            if (!returned.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the late draft did not return");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    int calls() {
        return calls.get();
    }

    boolean isClosed() {
        return closed.getCount() == 0;
    }

    boolean awaitClosed() throws InterruptedException {
        return closed.await(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        inner.close();
        closed.countDown();
    }
}
