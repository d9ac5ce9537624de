package dev.specula.router.backend;

import dev.specula.core.loop.FinishReason;
import dev.specula.router.plan.GenerationStats;
import dev.specula.service.error.VerifierLostException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A backend generation placed on particular replicas. Counts itself in their in-flight load while it runs,
 * records the outcome in their circuit breakers, and tells which replica a failure is to blame on.
 *
 * <p>One placement of a generation: its {@link Fence} epoch. Once {@link #cancel() cancelled} (the router gave up on
 * it and placed the generation again) it yields nothing more: {@link #nextChunk()} fails, whatever the backend still
 * sends, so a superseded placement can never reach the client (RELIABILITY.md #24).
 */
public final class RoutedStream implements BackendStream {
    private final BackendStream stream;
    private final Backend drafter;
    private final Backend verifier;
    private final long startNanos = System.nanoTime();
    private final Fence fence;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean superseded;

    /** @param drafter the drafter replica, or null when the generation runs on the verifier alone */
    RoutedStream(BackendStream stream, Backend drafter, Backend verifier, Fence fence) {
        this.stream = stream;
        this.drafter = drafter;
        this.verifier = verifier;
        this.fence = fence;
        if (drafter != null) {
            drafter.acquire();
        }
        verifier.acquire();
    }

    /** Null when the generation runs on the verifier alone. */
    public Backend drafter() {
        return drafter;
    }

    public Backend verifier() {
        return verifier;
    }

    /** The generation and the epoch of this placement. */
    public Fence fence() {
        return fence;
    }

    @Override
    public int[] nextChunk() {
        if (superseded) {
            throw Status.CANCELLED.withDescription("placement " + fence.epoch() + " of generation "
                    + fence.generationId() + " was cancelled").asRuntimeException();
        }
        try {
            int[] ids = stream.nextChunk();
            if (ids == null && ended.compareAndSet(false, true)) {
                long nanos = System.nanoTime() - startNanos;
                if (drafter != null) {
                    drafter.succeeded(nanos);
                }
                verifier.succeeded(nanos);
                release();
            }
            return ids;
        } catch (RuntimeException e) {
            if (ended.compareAndSet(false, true)) {
                release();
            }
            throw e;
        }
    }

    /**
     * The replica a backend failure is to blame on: the verifier when the generation ran on it alone or when the
     * drafter reported losing its verifier (trailer {@value VerifierLostException#FAILED_BACKEND}), else the
     * drafter. Records the failure in that replica's circuit breaker.
     */
    public Backend blame(StatusRuntimeException failure) {
        Metadata trailers = Status.trailersFromThrowable(failure);
        boolean verifierLost = drafter == null || (trailers != null
                && VerifierLostException.VERIFIER.equals(trailers.get(VerifierLostException.FAILED_BACKEND_KEY)));
        Backend culprit = verifierLost ? verifier : drafter;
        culprit.failed(System.nanoTime() - startNanos, failure);
        return culprit;
    }

    private void release() {
        if (drafter != null) {
            drafter.release();
        }
        verifier.release();
    }

    @Override
    public FinishReason finishReason() {
        return stream.finishReason();
    }

    @Override
    public GenerationStats stats() {
        return stream.stats();
    }

    @Override
    public int cachedTokens() {
        return stream.cachedTokens();
    }

    @Override
    public void cancel() {
        superseded = true;
        stream.cancel();
        if (ended.compareAndSet(false, true)) {
            release();
        }
    }
}
