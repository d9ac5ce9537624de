package dev.specula.verifier.engine;

import dev.specula.core.loop.Draft;
import dev.specula.core.verify.Verdict;
import dev.specula.runtime.speculation.VerifierSession;
import java.util.concurrent.atomic.AtomicBoolean;

/** One admitted verification session; closing it frees its KV and its admission slot exactly once. */
public final class ActiveSession implements AutoCloseable {
    private final VerifierSession session;
    private final SessionRegistry registry;
    private final AtomicBoolean closed = new AtomicBoolean();

    ActiveSession(VerifierSession session, SessionRegistry registry) {
        this.session = session;
        this.registry = registry;
    }

    /** Serialised with {@link #close()}: a cancel arriving mid-round waits for the round to finish. */
    public synchronized Verdict verify(int[] uncheckedContext, Draft draft) {
        if (closed.get()) {
            throw new IllegalStateException("session is closed");
        }
        return session.verify(uncheckedContext, draft);
    }

    public VerifierSession session() {
        return session;
    }

    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true)) {
            session.close();
            registry.release();
        }
    }
}
