package dev.specula.verifier.engine;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.verify.Verdict;
import dev.specula.runtime.engine.KvBudgetExhaustedException;
import dev.specula.runtime.engine.ServedSession;
import dev.specula.service.error.OverloadedException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One admitted verification session; closing it frees its KV (after offloading its blocks) and its admission
 * slot exactly once. Rounds and close are serialised by the served session, so a cancel arriving mid-round
 * waits for the round to finish.
 */
public final class ActiveSession implements VerifierChannel {
    private final ServedSession session;
    private final SessionRegistry registry;
    private final AtomicBoolean closed = new AtomicBoolean();

    ActiveSession(ServedSession session, SessionRegistry registry) {
        this.session = session;
        this.registry = registry;
    }

    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft) {
        return verify(uncheckedContext, draft, 0);
    }

    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        try {
            return session.verify(uncheckedContext, draft, extraPlainSteps);
        } catch (KvBudgetExhaustedException e) {
            // Only an evicted session resuming can hit this mid-stream.
            throw new OverloadedException(e.getMessage());
        }
    }

    /** Prompt tokens restored from a KV cache instead of prefilled. */
    public int cachedTokens() {
        return session.cachedTokens();
    }

    /** Sessions whose tokens shared the forward pass of the last round (the verdict's load.batch_size). */
    public int lastBatchSize() {
        return session.lastBatchSize();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                session.close();
            } finally {
                registry.release();
            }
        }
    }
}
