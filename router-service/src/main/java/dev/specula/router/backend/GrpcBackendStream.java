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
    /** Ends the call if the next event does not arrive in time; null without a deadline. */
    private volatile Future<?> eventTimer;
    private Duration gap;
    private ScheduledExecutorService timers;
    /** The first wait is timed from {@link #watchdog} (request start), later ones from when they begin. */
    private boolean sawEvent;
    private GenerationSummary summary;

    GrpcBackendStream(Context.CancellableContext context, Iterator<GenerateEvent> events) {
        this.context = context;
        this.events = events;
    }

    /**
     * Fails the call with DEADLINE_EXCEEDED (which the router treats as a failed backend, and resumes elsewhere)
     * unless its first event arrives within {@code first} and each later one within {@code gap} of the previous:
     * a backend that hangs is given up on early, instead of holding the request for its whole deadline.
     *
     * @param first null = no first-event deadline
     * @param gap   null = no deadline between events
     */
    void watchdog(Duration first, Duration gap, ScheduledExecutorService timers) {
        this.gap = gap;
        this.timers = timers;
        if (first != null) {
            arm(first, "no first token within ");
        }
    }

    private void arm(Duration timeout, String what) {
        eventTimer = timers.schedule(() -> context.cancel(Status.DEADLINE_EXCEEDED
                .withDescription(what + timeout.toMillis() + " ms").asRuntimeException()),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int[] nextChunk() {
        if (summary != null) {
            return null;
        }
        Context previous = context.attach();
        try {
            while (awaitEvent()) {
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

    /**
     * Waits for the next event under the watchdog. Only the wait counts: time the router spends writing to a slow
     * client is not the backend's silence (the client's own stall timeout covers that).
     */
    private boolean awaitEvent() {
        if (eventTimer == null && gap != null && sawEvent) {
            arm(gap, "backend silent for more than ");
        }
        try {
            return events.hasNext();
        } finally {
            sawEvent = true;
            Future<?> timer = eventTimer;
            if (timer != null) {
                timer.cancel(false);
                eventTimer = null;
            }
        }
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
        Future<?> timer = eventTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        context.cancel(Status.CANCELLED.withDescription("client went away").asRuntimeException());
    }

    private GenerationSummary requireSummary() {
        if (summary == null) {
            throw new IllegalStateException("summary not received yet");
        }
        return summary;
    }
}
