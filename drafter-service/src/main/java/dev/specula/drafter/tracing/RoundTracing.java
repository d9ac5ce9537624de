package dev.specula.drafter.tracing;

import dev.specula.core.loop.RoundListener;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

/**
 * Hands the speculation loop a listener that opens one span per round under the current request's span, or
 * {@link RoundListener#NONE} when the request is not sampled (the default: tracing off), so an unsampled
 * generation pays one check per request and nothing per round.
 */
public final class RoundTracing {
    private final Tracer tracer;

    public RoundTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /** A listener for one generation running on this thread (within its gRPC call's span). */
    public RoundListener forCurrentRequest() {
        Span request = tracer.currentSpan();
        if (request == null || !Boolean.TRUE.equals(request.context().sampled())) {
            return RoundListener.NONE;
        }
        return new RoundSpans(tracer, request);
    }
}
