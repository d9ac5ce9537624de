package dev.specula.verifier.health;

import dev.specula.core.loop.Draft;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.service.error.OverloadedException;
import dev.specula.verifier.engine.ActiveSession;
import dev.specula.verifier.engine.VerifierEngine;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.springframework.boot.health.contributor.Health;

/**
 * Readiness that does not lie: the verifier is ready only if a one-token verification goes through the real
 * path (admission, the forward loop, the model) within a timeout. A loaded model with a wedged forward loop is
 * DOWN, so its gRPC health turns NOT_SERVING and Kubernetes stops sending it traffic. Results are cached for a
 * few seconds so probes cost one tiny forward per period, and at most one probe is in flight: a probe still
 * stuck from last time is itself the answer.
 *
 * <p>A verifier at its session limit is UP (it is healthy, and saturation is the router's business), with the
 * reason in the details.
 */
public final class VerificationProbe implements AutoCloseable {
    /** Probe sessions run under their own tenant so that they share no cache entries with real traffic. */
    static final String PROBE_TENANT = "specula-readiness-probe";

    private final VerifierEngine engine;
    private final Duration timeout;
    private final Duration cacheFor;
    private final LongSupplier nanoClock;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "verifier-readiness-probe");
        t.setDaemon(true);
        return t;
    });
    private Future<?> inFlight;
    private Health last;
    private long lastAt;

    public VerificationProbe(VerifierEngine engine, Duration timeout, Duration cacheFor, LongSupplier nanoClock) {
        this.engine = engine;
        this.timeout = timeout;
        this.cacheFor = cacheFor;
        this.nanoClock = nanoClock;
    }

    public synchronized Health check() {
        long now = nanoClock.getAsLong();
        if (last != null && now - lastAt < cacheFor.toNanos()) {
            return last;
        }
        last = probe();
        lastAt = nanoClock.getAsLong();
        return last;
    }

    private Health probe() {
        if (inFlight != null && !inFlight.isDone()) {
            return Health.down().withDetail("reason", "the previous one-token verification has not finished: "
                    + "the forward loop is stuck").build();
        }
        long start = nanoClock.getAsLong();
        inFlight = runner.submit(this::verifyOneToken);
        try {
            inFlight.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Health.up().withDetail("vocab", engine.vocabSize()).withDetail("context", engine.maxContext())
                    .withDetail("probe_ms", (nanoClock.getAsLong() - start) / 1_000_000).build();
        } catch (TimeoutException e) {
            return Health.down().withDetail("reason", "no verdict for a one-token verification within "
                    + timeout.toMillis() + " ms").build();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof OverloadedException) {
                return Health.up().withDetail("saturated", e.getCause().getMessage()).build();
            }
            return Health.down().withDetail("reason", String.valueOf(e.getCause())).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.unknown().build();
        }
    }

    private void verifyOneToken() {
        try (ActiveSession session = engine.open(PROBE_TENANT, new int[] {0}, SamplingParams.GREEDY, 1, "")) {
            session.verify(new int[0], Draft.EMPTY);
        }
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
