package dev.specula.router.backend;

import dev.specula.core.loop.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.router.plan.GenerationStats;
import io.grpc.Context;
import io.grpc.Status;
import java.util.Iterator;

/**
 * A backend's server stream read through a blocking iterator. The call runs in a cancellable context, so
 * {@link #cancel()} (and the router's own client going away, which cancels the parent context) stops the
 * backend's generation and frees its session.
 */
final class GrpcBackendStream implements BackendStream {
    private final Context.CancellableContext context;
    private final Iterator<GenerateEvent> events;
    private GenerationSummary summary;

    GrpcBackendStream(Context.CancellableContext context, Iterator<GenerateEvent> events) {
        this.context = context;
        this.events = events;
    }

    @Override
    public int[] nextChunk() {
        if (summary != null) {
            return null;
        }
        Context previous = context.attach();
        try {
            while (events.hasNext()) {
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
