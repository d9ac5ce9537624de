package dev.specula.router.backend;

import dev.specula.core.loop.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.router.plan.GenerationStats;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A backend's server stream read through a blocking iterator. The call runs in a cancellable context, so
 * {@link #cancel()} (and the router's own client going away, which cancels the parent context) stops the
 * backend's generation and frees its session.
 */
final class GrpcBackendStream implements BackendStream {
    private final Context.CancellableContext context;
    private final Iterator<GenerateEvent> events;
    /** Ends the call if nothing arrives in time; null once something arrived or without a first-event deadline. */
    private volatile Future<?> firstEventTimer;
    private GenerationSummary summary;

    GrpcBackendStream(Context.CancellableContext context, Iterator<GenerateEvent> events) {
        this.context = context;
        this.events = events;
    }

    /**
     * Fails the call with DEADLINE_EXCEEDED (which the router treats as an unreachable backend) unless its first
     * event arrives within {@code timeout}: a backend that hangs before its first token is given up on early,
     * while a long generation, once it streams, keeps only the whole-request deadline.
     */
    void expectFirstEventWithin(Duration timeout, ScheduledExecutorService timers) {
        firstEventTimer = timers.schedule(() -> context.cancel(Status.DEADLINE_EXCEEDED
                .withDescription("no first token within " + timeout.toMillis() + " ms").asRuntimeException()),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int[] nextChunk() {
        if (summary != null) {
            return null;
        }
        Context previous = context.attach();
        try {
            while (events.hasNext()) {
                Future<?> timer = firstEventTimer;
                if (timer != null) {
                    timer.cancel(false);
                    firstEventTimer = null;
                }
                GenerateEvent event = events.next();
                if (event.hasSummary()) {
                    summary = event.getSummary();
                    return null;
                }
                if (event.getChunk().getTokenIdsCount() > 0) {
                    return event.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
                }
            }
        } finally {
            context.detach(previous);
        }
        throw Status.INTERNAL.withDescription("backend stream ended without a summary").asRuntimeException();
    }

    @Override
    public FinishReason finishReason() {
        return BackendEvents.finishReason(requireSummary());
    }

    @Override
    public GenerationStats stats() {
        return BackendEvents.stats(requireSummary());
    }

    @Override
    public int cachedTokens() {
        return requireSummary().getCachedTokens();
    }

    @Override
    public void cancel() {
        context.cancel(Status.CANCELLED.withDescription("client went away").asRuntimeException());
    }

    private GenerationSummary requireSummary() {
        if (summary == null) {
            throw new IllegalStateException("summary not received yet");
        }
        return summary;
    }
}
