package dev.specula.client.verify;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.PipelinedVerifierChannel;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.verify.Verdict;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.SessionOpened;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The loop's verifier over ONE bidirectional gRPC stream: the first message opens the session on the prompt,
 * then each round is one message each way. {@link #verify} sends a round and waits for its verdict; a pipelined
 * loop {@link #submit}s rounds ahead and {@link #awaitVerdict awaits} verdicts in order.
 */
public final class GrpcVerifierChannel implements PipelinedVerifierChannel {
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final ClientCallStreamObserver<SessionRequest> requests;
    private final Duration roundTimeout;
    private final SessionOpened opened;
    private final ArrayDeque<Integer> inFlight = new ArrayDeque<>();
    private int round;
    private boolean closed;
    private long bytesSent;
    private long bytesReceived;
    private VerifierLoad load = VerifierLoad.UNKNOWN;
    private long lastServerNanos = -1;

    private GrpcVerifierChannel(Channel channel, OpenSession open, Duration roundTimeout) {
        this.roundTimeout = roundTimeout;
        Receiver receiver = new Receiver();
        VerifierGrpc.newStub(channel).session(receiver);
        this.requests = receiver.requests;
        send(SessionRequest.newBuilder().setOpen(open).build());
        SessionResponse first = take();
        if (!first.hasOpened()) {
            fail(Status.INTERNAL.withDescription("verifier answered 'open' with " + first.getMessageCase()));
        }
        this.opened = first.getOpened();
    }

    /**
     * Opens a session on {@code prompt}; blocks until the verifier accepted it.
     *
     * @throws StatusRuntimeException with the verifier's status when it refuses (bad input, overload)
     */
    public static GrpcVerifierChannel open(Channel channel, int[] prompt, SamplingParams params, int maxNewTokens,
                                           String tokenizerSha256, String tenant, Duration roundTimeout) {
        return open(channel, prompt, params, maxNewTokens, tokenizerSha256, tenant,
                dev.specula.proto.v1.GenerationFence.getDefaultInstance(), roundTimeout);
    }

    /**
     * {@link #open(Channel, int[], SamplingParams, int, String, String, Duration)} for a generation the router fenced
     * (OpenSession.fence; the verifier sends it with the session's KV offload writes).
     */
    public static GrpcVerifierChannel open(Channel channel, int[] prompt, SamplingParams params, int maxNewTokens,
                                           String tokenizerSha256, String tenant,
                                           dev.specula.proto.v1.GenerationFence fence, Duration roundTimeout) {
        OpenSession.Builder open = OpenSession.newBuilder()
                .setFence(fence)
                .setSampling(ProtoMapping.sampling(params))
                .setMaxNewTokens(maxNewTokens)
                .setTokenizerSha256(tokenizerSha256)
                .setTenant(tenant);
        for (int t : prompt) {
            open.addPromptTokenIds(t);
        }
        return new GrpcVerifierChannel(channel, open.build(), roundTimeout);
    }

    public SessionOpened opened() {
        return opened;
    }

    /** The load the verifier reported with its latest verdict. */
    @Override
    public VerifierLoad load() {
        return load;
    }

    @Override
    public long lastServerNanos() {
        return lastServerNanos;
    }

    /** Serialised request bytes sent so far, opening message included (a figure of merit per round). */
    public long bytesSent() {
        return bytesSent;
    }

    /** Serialised response bytes received so far. */
    public long bytesReceived() {
        return bytesReceived;
    }

    @Override
    public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious) {
        submit(uncheckedContext, draft, continuesPrevious, 0);
    }

    @Override
    public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious, int extraPlainSteps) {
        VerifyRound.Builder message = VerifyRound.newBuilder().setRound(++round).setContinuesPrevious(continuesPrevious)
                .setExtraPlainSteps(Math.max(0, extraPlainSteps));
        for (int t : uncheckedContext) {
            message.addUncheckedContext(t);
        }
        for (int t : draft.tokens()) {
            message.addDraftTokenIds(t);
        }
        if (draft.distributions() != null) {
            for (SparseDistribution d : draft.distributions()) {
                message.addDraftDistributions(ProtoMapping.distribution(d));
            }
        }
        inFlight.add(round);
        send(SessionRequest.newBuilder().setRound(message).build());
    }

    @Override
    public Optional<Verdict> awaitVerdict() {
        Integer expected = inFlight.poll();
        if (expected == null) {
            throw new IllegalStateException("no round in flight");
        }
        SessionResponse response = take();
        if (!response.hasVerdict() || response.getVerdict().getRound() != expected) {
            fail(Status.INTERNAL.withDescription("expected the verdict of round " + expected));
        }
        RoundVerdict v = response.getVerdict();
        if (v.getDiscarded()) {
            return Optional.empty();
        }
        float[] targetProbs = new float[v.getTargetProbOfDraftsCount()];
        for (int i = 0; i < targetProbs.length; i++) {
            targetProbs[i] = v.getTargetProbOfDrafts(i);
        }
        load = v.hasLoad() ? PolicyMapping.load(v.getLoad()) : VerifierLoad.UNKNOWN;
        // 0 from a verifier that does not report its time: unknown, not free.
        lastServerNanos = v.getVerifyMicros() > 0 ? Integer.toUnsignedLong(v.getVerifyMicros()) * 1_000 : -1;
        int[] extra = new int[v.getExtraTokenIdsCount()];
        for (int i = 0; i < extra.length; i++) {
            extra[i] = v.getExtraTokenIds(i);
        }
        return Optional.of(new Verdict(v.getAccepted(), v.getNextToken(), v.getBonus(), targetProbs,
                v.getTargetEntropy(), extra));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            requests.onCompleted();
        }
    }

    /** Cancels the session (the verifier frees it at once). */
    public void cancel(String reason) {
        if (!closed) {
            closed = true;
            requests.cancel(reason, null);
        }
    }

    private void send(SessionRequest request) {
        bytesSent += request.getSerializedSize();
        requests.onNext(request);
    }

    private SessionResponse take() {
        Object next;
        try {
            next = inbox.poll(roundTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("interrupted");
            throw Status.CANCELLED.withDescription("interrupted while waiting for the verifier").asRuntimeException();
        }
        if (next == null) {
            cancel("round timeout");
            throw Status.DEADLINE_EXCEEDED
                    .withDescription("verifier gave no verdict within " + roundTimeout.toMillis() + " ms")
                    .asRuntimeException();
        }
        if (next instanceof Throwable error) {
            closed = true;
            throw error instanceof StatusRuntimeException sre ? sre : Status.fromThrowable(error).asRuntimeException();
        }
        SessionResponse response = (SessionResponse) next;
        bytesReceived += response.getSerializedSize();
        return response;
    }

    private void fail(Status status) {
        cancel(status.getDescription());
        throw status.asRuntimeException();
    }

    private final class Receiver implements ClientResponseObserver<SessionRequest, SessionResponse> {
        private ClientCallStreamObserver<SessionRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<SessionRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(SessionResponse value) {
            inbox.add(value);
        }

        @Override
        public void onError(Throwable t) {
            inbox.add(t);
        }

        @Override
        public void onCompleted() {
            inbox.add(Status.UNAVAILABLE.withDescription("verifier ended the session").asRuntimeException());
        }
    }
}
