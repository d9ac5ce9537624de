package dev.specula.verifier.grpc;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.PipelineGate;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.verify.Verdict;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.SessionOpened;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierLoad;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.error.StatusMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.verifier.engine.ActiveSession;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.metrics.VerifierMetrics;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One verification session = one bidirectional stream: the first message opens it, each later message is a
 * round answered by exactly one verdict. Pipelined clients send rounds ahead ({@link PipelineGate} decides
 * which get checked). Inbound messages are requested one at a time, and only while the client is reading the
 * verdicts, so a client that sends rounds but never reads cannot make the verifier buffer without bound. The
 * session is freed when the stream completes, fails or is cancelled, or when its {@link IdleLease} expires (no
 * message for the idle timeout: the client paused, lost its link, or stopped reading), or ended with UNAVAILABLE
 * when the verifier stops ({@link SessionShutdown}).
 */
final class SessionStreamHandler implements StreamObserver<SessionRequest>, OpenStream {
    private final VerifierEngine engine;
    private final VerifierMetrics metrics;
    private final ServerCallStreamObserver<SessionResponse> responses;
    private volatile ActiveSession session;
    private volatile boolean gone;
    private boolean finished;
    private final PipelineGate gate = new PipelineGate();
    /** A message was processed while the client was not reading: request the next one when it is ready again. */
    private final AtomicBoolean wantsNext = new AtomicBoolean();
    private final IdleLease lease;
    private final SessionShutdown shutdown;

    SessionStreamHandler(VerifierEngine engine, VerifierMetrics metrics, ServerCallStreamObserver<SessionResponse> responses,
                         ScheduledExecutorService timers, Duration idleTimeout, SessionShutdown shutdown) {
        this.shutdown = shutdown;
        shutdown.opened(this);
        this.engine = engine;
        this.metrics = metrics;
        this.responses = responses;
        this.lease = new IdleLease(timers, idleTimeout, this::expire);
        responses.setOnCancelHandler(() -> {
            gone = true;
            lease.end();
            release();
        });
        responses.disableAutoRequest();
        responses.setOnReadyHandler(() -> {
            if (responses.isReady() && wantsNext.compareAndSet(true, false)) {
                responses.request(1);
            }
        });
        responses.request(1);
        lease.renew();
    }

    /** Ends the session whose lease term {@code term} ran out, unless a message renewed it meanwhile. */
    private synchronized void expire(long term) {
        if (finished || !lease.isCurrent(term)) {
            return;
        }
        finished = true;
        release();
        responses.onError(Status.DEADLINE_EXCEEDED.withDescription("session idle for "
                + lease.timeout().toMillis() + " ms: no message from the client").asRuntimeException());
    }

    /**
     * The verifier is stopping and its grace period is running out: end the session with UNAVAILABLE (the client
     * may resume elsewhere) and free its KV, rather than be cut when the server stops.
     */
    @Override
    public synchronized void endForShutdown(String description) {
        if (finished) {
            return;
        }
        finished = true;
        lease.end();
        release();
        if (!gone) {
            responses.onError(Status.UNAVAILABLE.withDescription(description).asRuntimeException());
        }
    }

    /** Asks for the next client message now if verdicts can flow, else as soon as the client reads again. */
    private void requestNext() {
        wantsNext.set(true);
        if (responses.isReady() && wantsNext.compareAndSet(true, false)) {
            responses.request(1);
        }
    }

    @Override
    public synchronized void onNext(SessionRequest request) {
        if (finished) {
            return;
        }
        // No renewal here: an expiry that fires while this message is handled waits for this lock, and the
        // renewal once the answer is out makes its term stale.
        try {
            switch (request.getMessageCase()) {
                case OPEN -> open(request.getOpen());
                case ROUND -> round(request.getRound());
                default -> throw new InvalidRequestException("a session message must be 'open' or 'round'");
            }
            if (!finished) {
                lease.renew(); // the idle time runs from the answer, not from the message
                requestNext();
            }
        } catch (RuntimeException e) {
            finished = true;
            lease.end();
            release();
            responses.onError(StatusMapping.toRuntimeException(e));
        }
    }

    private void open(OpenSession open) {
        if (session != null) {
            throw new InvalidRequestException("session already open: send rounds, not a second 'open'");
        }
        int[] prompt = ProtoMapping.tokens(open.getPromptTokenIdsList(), engine.vocabSize());
        int maxNew = open.getMaxNewTokens() == 0 ? 1 : open.getMaxNewTokens();
        // May wait for KV memory (bounded by the admission wait), then restores any cached prefix.
        session = engine.open(open.getTenant(), Fences.of(open.getFence()), prompt,
                ProtoMapping.sampling(open.getSampling()), maxNew, open.getTokenizerSha256());
        if (gone) {
            // Cancelled while we were admitting: the cancel handler saw no session, so free it here.
            finished = true;
            release();
            return;
        }
        responses.onNext(SessionResponse.newBuilder().setOpened(SessionOpened.newBuilder()
                .setSessionId(UUID.randomUUID().toString())
                .setVocabSize(engine.vocabSize())
                .setMaxContext(engine.maxContext())
                .setCachedTokens(session.cachedTokens())).build());
    }

    private void round(VerifyRound round) {
        if (session == null) {
            throw new InvalidRequestException("the first message of a session must be 'open'");
        }
        int vocab = engine.vocabSize();
        int[] context = ProtoMapping.tokens(round.getUncheckedContextList(), vocab);
        int[] drafted = ProtoMapping.tokens(round.getDraftTokenIdsList(), vocab);
        SparseDistribution[] distributions = null;
        if (round.getDraftDistributionsCount() > 0) {
            if (round.getDraftDistributionsCount() != drafted.length) {
                throw new InvalidRequestException("one draft distribution per drafted token: got "
                        + round.getDraftDistributionsCount() + " for " + drafted.length + " tokens");
            }
            distributions = new SparseDistribution[drafted.length];
            for (int i = 0; i < drafted.length; i++) {
                distributions[i] = ProtoMapping.distribution(round.getDraftDistributions(i), vocab);
                if (distributions[i].probOf(drafted[i]) <= 0f) {
                    throw new InvalidRequestException("drafted token " + drafted[i] + " has no mass in its distribution");
                }
            }
        }
        Draft draft = new Draft(drafted, distributions, new float[drafted.length]);
        Optional<Draft> admitted;
        try {
            admitted = gate.admit(round.getContinuesPrevious(), context, draft);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (admitted.isEmpty()) {
            metrics.recordDiscardedRound();
            responses.onNext(SessionResponse.newBuilder().setVerdict(RoundVerdict.newBuilder()
                    .setRound(round.getRound()).setDiscarded(true)).build());
            return;
        }
        long start = System.nanoTime();
        Verdict verdict = session.verify(context, admitted.get(), round.getExtraPlainSteps());
        gate.checked(admitted.get(), verdict);
        long nanos = System.nanoTime() - start;
        RoundVerdict.Builder out = RoundVerdict.newBuilder()
                .setRound(round.getRound())
                .setAccepted(verdict.accepted())
                .setNextToken(verdict.nextToken())
                .setBonus(verdict.bonus())
                .setTargetEntropy(verdict.targetEntropy())
                .setVerifyMicros((int) Math.min(Integer.MAX_VALUE, nanos / 1_000))
                .setLoad(VerifierLoad.newBuilder()
                        .setRunningSessions(engine.openSessions())
                        .setQueueDepth(engine.serving().schedulerQueueDepth())
                        .setBatchSize(session.lastBatchSize()));
        for (float p : verdict.targetProbOfDrafts()) {
            out.addTargetProbOfDrafts(p);
        }
        for (int t : verdict.extraTokens()) {
            out.addExtraTokenIds(t);
        }
        responses.onNext(SessionResponse.newBuilder().setVerdict(out).build());
        // After the verdict is on its way: the drafter waits for it, not for our bookkeeping.
        metrics.recordRound(admitted.get().length(), verdict, nanos);
    }

    @Override
    public synchronized void onError(Throwable t) {
        gone = true;
        finished = true;
        lease.end();
        release();
    }

    @Override
    public synchronized void onCompleted() {
        if (!finished) {
            finished = true;
            lease.end();
            release();
            responses.onCompleted();
        }
    }

    private void release() {
        try {
            ActiveSession current = session;
            if (current != null) {
                current.close();
            }
        } finally {
            shutdown.ended(this);
        }
    }
}
