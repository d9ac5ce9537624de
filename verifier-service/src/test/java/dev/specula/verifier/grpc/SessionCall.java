package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.SessionOpened;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A verification session driven by hand, one message at a time: what arrives (a response, the stream's error,
 * or its completion) is queued and taken with a deadline, so every wait in a test is bounded.
 */
final class SessionCall {
    private static final Object COMPLETED = new Object();
    private static final long WAIT_SECONDS = 20;

    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final ClientCallStreamObserver<SessionRequest> requests;

    SessionCall(Channel channel) {
        AtomicReference<ClientCallStreamObserver<SessionRequest>> stream = new AtomicReference<>();
        VerifierGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .session(new ClientResponseObserver<SessionRequest, SessionResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<SessionRequest> requestStream) {
                        stream.set(requestStream);
                    }

                    @Override
                    public void onNext(SessionResponse value) {
                        inbox.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        inbox.add(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        inbox.add(COMPLETED);
                    }
                });
        this.requests = stream.get();
    }

    void send(SessionRequest request) {
        requests.onNext(request);
    }

    SessionOpened open(OpenSession open) {
        send(SessionRequest.newBuilder().setOpen(open).build());
        SessionResponse response = nextResponse();
        assertThat(response.hasOpened()).as("answer to 'open'").isTrue();
        return response.getOpened();
    }

    RoundVerdict round(VerifyRound round) {
        send(SessionRequest.newBuilder().setRound(round).build());
        SessionResponse response = nextResponse();
        assertThat(response.hasVerdict()).as("answer to a round").isTrue();
        return response.getVerdict();
    }

    /** {@code count} plain rounds (no draft), numbered from 1: the verifier's greedy tokens, one per round. */
    int[] plainRounds(int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = round(VerifyRound.newBuilder().setRound(i + 1).build()).getNextToken();
        }
        return out;
    }

    /** The next response; fails the test if the stream failed or ended instead. */
    SessionResponse nextResponse() {
        Object next = take();
        if (next instanceof SessionResponse response) {
            return response;
        }
        return fail("expected a response, the stream ended with " + describe(next));
    }

    /** Skips responses until the stream fails, and returns its status; fails the test if it completes normally. */
    Status failure() {
        while (true) {
            Object next = take();
            if (next instanceof Status status) {
                return status;
            }
            if (next == COMPLETED) {
                return fail("expected the stream to fail, it completed");
            }
        }
    }

    /**
     * Whether the next thing to arrive is a response (false: the stream failed with {@code refusal}, the one failure
     * the caller expects); fails the test on any other failure, on completion, or after a bounded wait.
     */
    boolean answeredUnless(Status.Code refusal) {
        Object next = take();
        if (next instanceof SessionResponse) {
            return true;
        }
        assertThat(next instanceof Status status && status.getCode() == refusal)
                .as("a response or %s, got %s", refusal, describe(next)).isTrue();
        return false;
    }

    /** Half-closes and waits for the server to complete the stream. */
    void completeAndAwaitEnd() {
        requests.onCompleted();
        Object next = take();
        assertThat(next).as("after half-close: %s", describe(next)).isSameAs(COMPLETED);
    }

    /** The client cancels, as a drafter does when its own caller went away. */
    void cancel() {
        requests.cancel("test client cancelled", null);
    }

    /** The client drops the stream by failing its request side, as a crashing caller would. */
    void dropWithError() {
        requests.onError(new IllegalStateException("test client crashed"));
    }

    private Object take() {
        try {
            Object next = inbox.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (next == null) {
                return fail("nothing arrived from the verifier within " + WAIT_SECONDS + " s");
            }
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    private static String describe(Object next) {
        return next == COMPLETED ? "completion" : String.valueOf(next);
    }
}
