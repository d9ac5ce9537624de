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
    /** The watchdog's next check; null without deadlines. One per stream, not one per event; guarded by this. */
    private volatile Future<?> check;
    private Duration first;
    private Duration gap;
    private ScheduledExecutorService timers;
    /** When the current wait for an event began; 0 while not waiting. The first wait begins at the watchdog. */
    private volatile long waitingSince;
    private volatile boolean sawEvent;
    private volatile boolean ended;
    private GenerationSummary summary;

    GrpcBackendStream(Context.CancellableContext context, Iterator<GenerateEvent> events) {
        this.context = context;
        this.events = events;
    }

    /**
     * Fails the call with DEADLINE_EXCEEDED (which the router treats as a failed backend, and resumes elsewhere)
     * unless its first event arrives within {@code first} and each later wait for an event ends within {@code gap}:
     * a backend that hangs is given up on early, instead of holding the request for its whole deadline. Only the
     * waits count: time the router spends writing to a slow client is not the backend's silence (the client's own
     * stall timeout covers that). Events only stamp the time; one timer per stream checks it.
     *
     * @param first null = no first-event deadline
     * @param gap   null = no deadline between events
     */
    void watchdog(Duration first, Duration gap, ScheduledExecutorService timers) {
        this.first = first;
        this.gap = gap;
        this.timers = timers;
        this.waitingSince = System.nanoTime();
        Duration initial = first != null ? first : gap;
        if (initial != null) {
            check = timers.schedule(this::check, initial.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void check() {
        if (ended) {
            return;
        }
        Duration limit = sawEvent ? gap : first;
        long since = waitingSince;
        long idle = since == 0 || limit == null ? 0 : System.nanoTime() - since;
        if (limit != null && idle >= limit.toNanos()) {
            context.cancel(Status.DEADLINE_EXCEEDED.withDescription((sawEvent ? "backend silent for more than "
                    : "no first token within ") + limit.toMillis() + " ms").asRuntimeException());
            return;
        }
        Duration next = limit != null ? limit : gap;
        if (next == null) {
            return; // only a first-event deadline, and the first event came
        }
        check = timers.schedule(this::check, next.toNanos() - idle, TimeUnit.NANOSECONDS);
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
                    end();
                    return null;
                }
                if (event.getChunk().getTokenIdsCount() > 0) {
                    return event.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
                }
            }
        } catch (RuntimeException e) {
            end();
            throw e;
        } finally {
            context.detach(previous);
        }
        end();
        throw Status.INTERNAL.withDescription("backend stream ended without a summary").asRuntimeException();
    }

    private boolean awaitEvent() {
        if (sawEvent) {
            waitingSince = System.nanoTime();
        }
        try {
            return events.hasNext();
        } finally {
            waitingSince = 0;
            if (!sawEvent) {
                sawEvent = true;
                firstEventCame();
            }
        }
    }

    /** The pending check was for the first-event deadline; from now on the gap deadline applies. */
    private synchronized void firstEventCame() {
        Future<?> pending = check;
        if (pending == null || first == null) {
            return; // no check, or it already runs on the gap
        }
        pending.cancel(false);
        if (gap != null && !ended) {
            check = timers.schedule(this::check, gap.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The stream is over (summary, failure or cancel): the watchdog stops. */
    private synchronized void end() {
        ended = true;
        Future<?> pending = check;
        if (pending != null) {
            pending.cancel(false);
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
        end();
        context.cancel(Status.CANCELLED.withDescription("client went away").asRuntimeException());
    }

    private GenerationSummary requireSummary() {
        if (summary == null) {
            throw new IllegalStateException("summary not received yet");
        }
        return summary;
    }
}
