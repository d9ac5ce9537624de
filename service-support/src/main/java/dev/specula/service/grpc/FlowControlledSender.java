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
    /** Set by {@link #endWith}: what the next {@link #send} throws. */
    private volatile Status ending;

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
     * Ends the stream from another thread (e.g. the server shutting down): the next {@link #send}, or one waiting
     * for readiness, throws {@code status} instead of sending, so the generating thread unwinds and frees what it
     * holds before the call is closed with that status. {@link #sendFinal} still goes through: a generation that is
     * already complete is delivered whole.
     */
    public void endWith(Status status) {
        ending = status;
        signal();
    }

    /**
     * Sends one message, waiting for readiness.
     *
     * @return false if the client cancelled (the message was dropped)
     * @throws io.grpc.StatusRuntimeException DEADLINE_EXCEEDED when the client stopped reading for the stall
     *                                        timeout, or the status given to {@link #endWith}
     */
    public boolean send(T message) {
        return send(message, true);
    }

    /** Sends the stream's last message (e.g. its summary); unlike {@link #send}, not stopped by {@link #endWith}. */
    public boolean sendFinal(T message) {
        return send(message, false);
    }

    private boolean send(T message, boolean endable) {
        long deadline = System.nanoTime() + maxStall.toNanos();
        lock.lock();
        try {
            while (true) {
                Status end = ending;
                if (endable && end != null) {
                    throw end.asRuntimeException();
                }
                if (observer.isReady()) {
                    break;
                }
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
