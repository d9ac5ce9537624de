package dev.specula.client.verify;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.PipelineGate;
import dev.specula.core.loop.PipelinedVerifierChannel;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.verify.Verdict;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * A verifier session that survives link drops. It keeps what the loop needs to start over on a new stream —
 * the committed sequence (everything before the oldest unanswered round) and the unanswered rounds — and when
 * the stream fails with UNAVAILABLE or a round times out, it reopens a session on the committed sequence (with
 * backoff) and sends the unanswered rounds again. Verdicts are a function of the committed tokens and their
 * positions (sampling draws are keyed by position), so the resumed session decides exactly what the lost one
 * would have: no token is lost or repeated.
 *
 * <p>A continuation whose predecessor was answered before the drop is sent on the new session as a plain round
 * without its guess (already committed), since the new session has no previous round to chain onto.
 */
public final class ResumableVerifierChannel implements PipelinedVerifierChannel {
    /** Opens a verifier session on {@code context} that may generate {@code maxNewTokens} more tokens. */
    @FunctionalInterface
    public interface Opener {
        GrpcVerifierChannel open(int[] context, int maxNewTokens);
    }

    private record Pending(int[] uncheckedContext, Draft draft, boolean continuation, int extraPlainSteps) {
    }

    private final Opener opener;
    private final Reconnect reconnect;
    private final TokenSequence committed;
    private final int maxNewTokens;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Mirrors the verifier's gate, so that a resumed session can be told which rounds still hold. */
    private final PipelineGate mirror = new PipelineGate();
    private GrpcVerifierChannel current;
    private boolean closed;
    private int reconnects;
    private int dropsSinceVerdict;
    private long bytesOfClosedStreams;

    public ResumableVerifierChannel(Opener opener, int[] prompt, int maxNewTokens, Reconnect reconnect) {
        this.opener = opener;
        this.reconnect = reconnect;
        this.committed = new TokenSequence(prompt);
        this.maxNewTokens = maxNewTokens;
        this.current = openWithRetry();
    }

    /** The current stream's opening answer (cached tokens etc.). */
    public GrpcVerifierChannel current() {
        return current;
    }

    /** Sessions reopened after a link drop. */
    public int reconnects() {
        return reconnects;
    }

    /** Serialised bytes sent and received over all of this session's streams. */
    public long bytesTransferred() {
        return bytesOfClosedStreams + (current == null ? 0 : current.bytesSent() + current.bytesReceived());
    }

    @Override
    public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious) {
        submit(uncheckedContext, draft, continuesPrevious, 0);
    }

    @Override
    public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious, int extraPlainSteps) {
        pending.add(new Pending(uncheckedContext, draft, continuesPrevious, extraPlainSteps));
        if (current != null) {
            try {
                current.submit(uncheckedContext, draft, continuesPrevious, extraPlainSteps);
            } catch (StatusRuntimeException e) {
                dropped(e);
            }
        }
    }

    @Override
    public Optional<Verdict> awaitVerdict() {
        if (pending.isEmpty()) {
            throw new IllegalStateException("no round in flight");
        }
        while (true) {
            try {
                if (current == null) {
                    resume();
                }
                Optional<Verdict> verdict = current.awaitVerdict();
                dropsSinceVerdict = 0;
                record(pending.poll(), verdict);
                return verdict;
            } catch (StatusRuntimeException e) {
                dropped(e);
            }
        }
    }

    @Override
    public VerifierLoad load() {
        return current == null ? VerifierLoad.UNKNOWN : current.load();
    }

    @Override
    public long lastServerNanos() {
        return current == null ? -1 : current.lastServerNanos();
    }

    @Override
    public void close() {
        closed = true;
        if (current != null) {
            current.close();
        }
    }

    /** Advances the committed sequence by one answered round, exactly as the verifier did. */
    private void record(Pending round, Optional<Verdict> verdict) {
        Optional<Draft> admitted = mirror.admit(round.continuation(), round.uncheckedContext(), round.draft());
        if (admitted.isPresent() != verdict.isPresent()) {
            throw Status.INTERNAL.withDescription("the verifier " + (verdict.isPresent() ? "checked" : "discarded")
                    + " a round that its pipelining rule " + (verdict.isPresent() ? "discards" : "checks"))
                    .asRuntimeException();
        }
        if (verdict.isEmpty()) {
            return;
        }
        Verdict v = verdict.get();
        mirror.checked(admitted.get(), v);
        committed.append(round.uncheckedContext(), 0, round.uncheckedContext().length);
        committed.append(admitted.get().tokens(), 0, Math.min(v.accepted(), admitted.get().length()));
        committed.append(v.nextToken());
        committed.append(v.extraTokens(), 0, v.extraTokens().length);
    }

    private void dropped(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (closed || (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED)
                || ++dropsSinceVerdict > reconnect.attempts()) {
            throw e;
        }
        if (current != null) {
            bytesOfClosedStreams += current.bytesSent() + current.bytesReceived();
            current.cancel("link dropped");
            current = null;
        }
    }

    /** Reopens on the committed sequence and sends the unanswered rounds again. */
    private void resume() {
        current = openWithRetry();
        reconnects++;
        boolean first = true;
        for (Pending round : pending) {
            if (first && round.continuation() && mirror.continuationHolds(round.draft())) {
                current.submit(round.uncheckedContext(), round.draft().suffix(1), false, round.extraPlainSteps());
            } else {
                current.submit(round.uncheckedContext(), round.draft(), round.continuation(),
                        round.extraPlainSteps());
            }
            first = false;
        }
    }

    private GrpcVerifierChannel openWithRetry() {
        int remaining = maxNewTokens - committed.generatedLength();
        for (int attempt = 1; ; attempt++) {
            try {
                return opener.open(committed.toArray(), remaining);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || attempt > reconnect.attempts()) {
                    throw e;
                }
            }
            try {
                Thread.sleep(reconnect.backoff(attempt).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted while reconnecting").asRuntimeException();
            }
        }
    }
}
