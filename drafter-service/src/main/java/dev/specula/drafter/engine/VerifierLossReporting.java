package dev.specula.drafter.engine;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.verify.Verdict;
import dev.specula.service.error.VerifierLostException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Marks failures of the remote verifier as such ({@link VerifierLostException}), so the router resumes the request
 * on another replica. Refusals of the request itself (bad arguments, exhausted context) pass through unchanged.
 */
public final class VerifierLossReporting implements VerifierChannel {
    private final VerifierChannel delegate;

    private VerifierLossReporting(VerifierChannel delegate) {
        this.delegate = delegate;
    }

    public static VerifierChannel of(VerifierChannel channel) {
        return new VerifierLossReporting(channel);
    }

    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft) {
        return verify(uncheckedContext, draft, 0);
    }

    /** Forwards bursts of plain steps too (a backed-off drafter asks for them), reporting losses alike. */
    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        try {
            return extraPlainSteps > 0 ? delegate.verify(uncheckedContext, draft, extraPlainSteps)
                    : delegate.verify(uncheckedContext, draft);
        } catch (StatusRuntimeException e) {
            if (lost(e.getStatus().getCode())) {
                throw new VerifierLostException("verifier failed mid-request (" + e.getStatus().getCode() + "): "
                        + e.getStatus().getDescription(), e);
            }
            throw e;
        }
    }

    /** Failures of the verifier or the link to it, as opposed to a refusal of this request. */
    static boolean lost(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN, CANCELLED, RESOURCE_EXHAUSTED -> true;
            default -> false;
        };
    }

    @Override
    public long lastServerNanos() {
        return delegate.lastServerNanos();
    }

    @Override
    public VerifierLoad load() {
        return delegate.load();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
