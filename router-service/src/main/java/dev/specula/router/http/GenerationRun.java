package dev.specula.router.http;

import dev.specula.router.metrics.VllmMetrics;
import dev.specula.router.plan.Chunk;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.GenerationSink;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP request's generation: runs the shared {@link GenerationService} on the bounded generation pool and
 * hands its events (chunks, then a completion or a failure) to the thread answering the client through a bounded
 * queue. The generation runs in its own cancellable gRPC context: {@link #cancel()} (the client went away) cancels
 * the backend calls at once, even while they are waiting for a token.
 */
final class GenerationRun implements GenerationSink {
    /** Chunks buffered for a slow client before the generation waits; a client stalled longer is dropped. */
    static final int QUEUE_CAPACITY = 256;

    record Done(Completion completion) {
    }

    record Failed(Throwable error) {
    }

    private final AtomicBoolean released = new AtomicBoolean();
    private volatile Runnable release;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final Context.CancellableContext context = Context.ROOT.withCancellation();
    private final Duration maxStall;
    private volatile boolean cancelled;

    GenerationRun(Duration maxStall) {
        this.maxStall = maxStall;
    }

    /**
     * Queues the generation on {@code pool}; {@code release} (the key's and the router's slots) runs when it ends.
     *
     * @throws ApiException 503 when the pool and its queue are full (nothing is held then)
     */
    void start(ExecutorService pool, GenerationService generations, GenerationRequest request, Runnable release,
               VllmMetrics metrics) {
        this.release = release;
        metrics.queued();
        try {
            pool.execute(() -> {
                metrics.dequeued();
                try {
                    if (cancelled) {
                        return;
                    }
                    context.run(() -> generations.generate(request, this));
                } catch (Throwable e) {
                    releaseOnce();
                    offer(new Failed(e));
                } finally {
                    releaseOnce();
                    context.cancel(null);
                }
            });
        } catch (RejectedExecutionException e) {
            metrics.dequeued();
            releaseOnce();
            throw new ApiException(503, "server_error", "the router is at capacity, retry shortly", null,
                    "service_unavailable", 1, false);
        }
    }

    @Override
    public boolean chunk(Chunk chunk) {
        return !cancelled && offer(chunk);
    }

    /**
     * Frees the slots before the last event reaches the client: a client that sends its next request as soon as
     * this response ends must not find its own finished request still holding the key's concurrency slot.
     */
    @Override
    public void complete(Completion completion) {
        releaseOnce();
        offer(new Done(completion));
    }

    private void releaseOnce() {
        if (released.compareAndSet(false, true) && release != null) {
            release.run();
        }
    }

    private boolean offer(Object event) {
        try {
            return !cancelled && events.offer(event, maxStall.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The next event, or null when none came within {@code timeout}. */
    Object poll(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The client is gone: stop the backend generation and drop what was buffered. */
    void cancel() {
        cancelled = true;
        context.cancel(Status.CANCELLED.withDescription("client went away").asRuntimeException());
        events.clear();
    }
}
