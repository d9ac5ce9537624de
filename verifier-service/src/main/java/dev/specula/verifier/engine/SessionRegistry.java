package dev.specula.verifier.engine;

import dev.specula.service.error.OverloadedException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open sessions against the configured limit. Every admitted session is released exactly once, whether
 * its stream completed, failed or was cancelled, so the count returning to zero proves nothing leaked.
 */
public final class SessionRegistry {
    private final int maxSessions;
    private final AtomicInteger open = new AtomicInteger();

    public SessionRegistry(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    /** Admits one session or throws {@link OverloadedException}. */
    public void admit() {
        while (true) {
            int now = open.get();
            if (now >= maxSessions) {
                throw new OverloadedException("verifier is at its session limit (" + maxSessions + ")");
            }
            if (open.compareAndSet(now, now + 1)) {
                return;
            }
        }
    }

    public void release() {
        open.decrementAndGet();
    }

    public int openSessions() {
        return open.get();
    }
}
