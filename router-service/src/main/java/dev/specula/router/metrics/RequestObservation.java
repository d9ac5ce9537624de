package dev.specula.router.metrics;

import dev.specula.router.plan.Completion;

/** Timing of one request for {@link VllmMetrics}; not thread-safe (one generation thread). */
public final class RequestObservation implements AutoCloseable {
    private final VllmMetrics metrics;
    private final long arrival;
    private long firstToken;
    private long lastChunk;
    private boolean closed;

    RequestObservation(VllmMetrics metrics, long arrival) {
        this.metrics = metrics;
        this.arrival = arrival;
    }

    /** A batch of {@code tokens} new tokens arrived from the backend (one verification round). */
    public void tokens(int tokens) {
        if (tokens <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (firstToken == 0) {
            firstToken = now;
            metrics.observe(metrics.ttft, seconds(now - arrival));
        } else {
            metrics.observe(metrics.itl, seconds(now - lastChunk));
        }
        lastChunk = now;
    }

    public void complete(Completion completion) {
        long now = System.nanoTime();
        if (firstToken != 0 && completion.completionTokens() > 1) {
            metrics.observe(metrics.tpot, seconds(lastChunk - firstToken) / (completion.completionTokens() - 1));
        }
        metrics.completed(completion, seconds(now - arrival));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            metrics.finished();
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
