package dev.specula.drafter.tracing;

import dev.specula.core.loop.RoundListener;
import dev.specula.core.loop.RoundTrace;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

/**
 * One span per round of one generation, a child of the request's span: drafting and verification of the round,
 * with what was drafted, accepted and committed, and how the round's time split between the draft, the verifier's
 * own work and the wire. Used by one loop thread only.
 */
final class RoundSpans implements RoundListener {
    static final String NAME = "speculation round";

    private final Tracer tracer;
    private final Span parent;
    private Span round;

    RoundSpans(Tracer tracer, Span parent) {
        this.tracer = tracer;
        this.parent = parent;
    }

    @Override
    public void started(int number) {
        round = tracer.nextSpan(parent).name(NAME).tag("specula.round", number).start();
    }

    @Override
    public void verified(RoundTrace trace, int committed) {
        round.tag("specula.drafted", trace.draftedTokens())
                .tag("specula.verified", trace.draft().length())
                .tag("specula.accepted", trace.verdict().accepted())
                .tag("specula.committed", committed)
                .tag("specula.draft_ms", trace.draftNanos() / 1e6)
                .tag("specula.verify_ms", trace.verifyNanos() / 1e6);
        if (trace.serverNanos() >= 0) {
            round.tag("specula.verifier_ms", trace.serverNanos() / 1e6);
        }
    }

    @Override
    public void ended(Throwable failure) {
        if (failure != null) {
            round.error(failure);
        }
        round.end();
        round = null;
    }
}
