package dev.specula.service.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends server-stream messages only when the transport is ready, blocking the (generation) thread otherwise.
 * A client that stops reading therefore stalls its own generation instead of making the server buffer without
 * bound; after {@code maxStall} the stream is failed with DEADLINE_EXCEEDED.
 *
 * <p>When the sending thread is the call's own handler thread, gRPC cannot deliver the on-ready callback until
 * the handler returns, so readiness is also polled (every 10 ms). Generation streams send tiny messages and
 * are rarely not ready; bulk streams (KV blocks) send from the on-ready callback instead.
 */
public final class FlowControlledSender<T> {
    private final ServerCallStreamObserver<T> observer;
    private final Duration maxStall;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private volatile boolean cancelled;

    public FlowControlledSender(ServerCallStreamObserver<T> observer, Duration maxStall) {
        this.observer = observer;
        this.maxStall = maxStall;
        observer.setOnReadyHandler(this::signal);
        observer.setOnCancelHandler(() -> {
            cancelled = true;
            signal();
        });
    }

    /** True once the client cancelled or went away. */
    public boolean cancelled() {
        return cancelled || observer.isCancelled();
    }

    /**
     * Sends one message, waiting for readiness.
     *
     * @return false if the client cancelled (the message was dropped)
     */
    public boolean send(T message) {
        long deadline = System.nanoTime() + maxStall.toNanos();
        lock.lock();
        try {
            while (!observer.isReady()) {
                if (cancelled()) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw Status.DEADLINE_EXCEEDED
                            .withDescription("client stopped reading for " + maxStall.toMillis() + " ms")
                            .asRuntimeException();
                }
                ready.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
        if (cancelled()) {
            return false;
        }
        observer.onNext(message);
        return true;
    }

    public void complete() {
        if (!cancelled()) {
            observer.onCompleted();
        }
    }

    public void fail(Throwable error) {
        if (!cancelled()) {
            observer.onError(dev.specula.service.error.StatusMapping.toRuntimeException(error));
        }
    }

    private void signal() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
