package dev.specula.service.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A gRPC client that never asks for a response message: the slow reader of the flow-control tests. It records
 * how its call ended, how many messages were pushed to it anyway (should be none), and its on-ready signals, so a
 * test can send until the transport stops taking more.
 */
public final class NeverReadingCall<Q, R> {
    private final ClientCall<Q, R> call;
    private final AtomicInteger received = new AtomicInteger();
    private final CompletableFuture<Status> end = new CompletableFuture<>();
    private final LinkedBlockingQueue<Boolean> readyEvents = new LinkedBlockingQueue<>();
    private final long startNanos = System.nanoTime();

    private NeverReadingCall(ClientCall<Q, R> call) {
        this.call = call;
    }

    /** Starts the call; it requests no response message, ever. */
    public static <Q, R> NeverReadingCall<Q, R> start(Channel channel, MethodDescriptor<Q, R> method,
                                                      CallOptions options) {
        NeverReadingCall<Q, R> reader = new NeverReadingCall<>(channel.newCall(method, options));
        reader.call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(R message) {
                reader.received.incrementAndGet();
            }

            @Override
            public void onReady() {
                reader.readyEvents.add(Boolean.TRUE);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                reader.end.complete(status);
                reader.readyEvents.add(Boolean.FALSE);
            }
        }, new Metadata());
        return reader;
    }

    /** A server-streaming request: send it and half-close. */
    public NeverReadingCall<Q, R> request(Q message) {
        call.sendMessage(message);
        call.halfClose();
        return this;
    }

    public void send(Q message) {
        call.sendMessage(message);
    }

    /**
     * Sends {@code next.apply(1), next.apply(2), ...} while the call takes them, until it has not been ready for
     * two seconds (stalled), it ended, or {@code max} were sent.
     *
     * @return how many were sent
     */
    public int sendUntilStalled(IntFunction<Q> next, int max) throws InterruptedException {
        int sent = 0;
        while (sent < max && !end.isDone()) {
            if (call.isReady()) {
                call.sendMessage(next.apply(++sent));
                continue;
            }
            if (readyEvents.poll(2, TimeUnit.SECONDS) == null && !call.isReady()) {
                break;
            }
        }
        return sent;
    }

    public boolean isReady() {
        return call.isReady();
    }

    public void cancel() {
        call.cancel("test done", null);
    }

    /**
     * Waits for the server to give up on this reader, and checks that it did so the way
     * {@code FlowControlledSender} does: DEADLINE_EXCEEDED naming the stall, not before {@code stall} had passed,
     * and without having pushed a single message.
     */
    public void assertEndedByStallTimeout(Duration stall) throws Exception {
        Status status = end.get(stall.toSeconds() + 15, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).contains("client stopped reading for " + stall.toMillis() + " ms");
        assertThat(seconds).as("ended after the stall timeout, not before").isGreaterThanOrEqualTo(stall.toMillis() / 1e3 - 0.1);
        assertThat(received.get()).as("messages delivered to a client that asked for none").isZero();
    }

    /** Messages delivered although none was requested. */
    public int received() {
        return received.get();
    }

    /** Completes with the call's final status. */
    public CompletableFuture<Status> end() {
        return end;
    }
}
