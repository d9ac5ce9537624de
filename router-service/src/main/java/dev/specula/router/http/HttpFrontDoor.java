package dev.specula.router.http;

import dev.specula.router.metrics.VllmMetrics;
import java.util.concurrent.ExecutorService;

/**
 * What the HTTP API shares across requests: the bounded pool generations run on, the vLLM-named metrics, and the
 * model's context length.
 */
public record HttpFrontDoor(ExecutorService pool, VllmMetrics metrics, int contextLength) implements AutoCloseable {

    /** Context shutdown: the web server has stopped taking requests; stop what still runs. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
