package dev.specula.router.http;

import dev.specula.router.admission.Admission;
import dev.specula.router.metrics.VllmMetrics;
import java.util.concurrent.ExecutorService;

/**
 * What the HTTP API shares across requests: the bounded pool generations run on, the vLLM-named metrics, the
 * model's context length, and the router-wide {@link Admission} shared with the gRPC door.
 */
public record HttpFrontDoor(ExecutorService pool, VllmMetrics metrics, int contextLength, Admission admission)
        implements AutoCloseable {

    /** Context shutdown: the web server has stopped taking requests; stop what still runs. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
