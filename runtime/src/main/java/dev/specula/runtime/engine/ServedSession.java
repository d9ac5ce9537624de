package dev.specula.runtime.engine;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.verify.Verdict;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.speculation.VerifierSession;
import java.lang.System.Logger.Level;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One admitted session of a {@link ServingEngine}: a {@link VerifierSession} plus its KV reservation. Its KV
 * may be evicted while it idles (offloaded, then freed) and is restored — from the prefix cache, the store, or by
 * recomputation from the committed tokens — at its next round, with the same verdicts as if it had never left.
 *
 * <p>Rounds, eviction and close are serialised by one lock; eviction only ever tries it, so it never delays a
 * round. Closing publishes the session's blocks (prefix cache, store) and frees everything exactly once.
 */
public final class ServedSession implements VerifierChannel {
    private static final System.Logger LOG = System.getLogger(ServedSession.class.getName());

    private final ServingEngine engine;
    private final String tenant;
    private final WriteFence fence;
    private final VerifierSession session;
    private final long reservedBytes;
    private final int tokenLimit;
    private final RestoreOutcome opened;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean reserved = true;
    private boolean closed;
    private boolean promptPublished;
    private volatile boolean attached = true;
    private volatile long lastActive = System.nanoTime();
    private volatile long kvBytes;
    private volatile int lastBatchSize = 1;

    ServedSession(ServingEngine engine, String tenant, WriteFence fence, VerifierSession session, long reservedBytes,
                  int tokenLimit, RestoreOutcome opened) {
        this.engine = engine;
        this.tenant = tenant;
        this.fence = fence;
        this.session = session;
        this.reservedBytes = reservedBytes;
        this.tokenLimit = tokenLimit;
        this.opened = opened;
        setKvBytes(session.kvSession().kvCapacityBytes());
    }

    /**
     * One round. A round that would take the session past prompt + max_new_tokens is refused: admission
     * reserved memory for that many tokens and no more.
     */
    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft) {
        return verify(uncheckedContext, draft, 0);
    }

    /**
     * A round followed by up to {@code extraPlainSteps} plain steps, as many as fit the session's
     * prompt + max_new_tokens.
     */
    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("session is closed");
            }
            long after = (long) session.committedLength() + uncheckedContext.length + draft.length();
            if (after > tokenLimit) {
                throw new IllegalArgumentException("the round would take the session to " + after + " tokens, past its "
                        + "prompt + max_new_tokens of " + tokenLimit);
            }
            if (!session.hasKv()) {
                reattach();
            }
            // The round commits at most after + 1 tokens; the extra steps stop at prompt + max_new_tokens.
            int extra = (int) Math.max(0, Math.min(extraPlainSteps, tokenLimit - after - 1));
            Verdict verdict = session.verify(uncheckedContext, draft, extra);
            lastBatchSize = engine.lastBatchSize(); // this thread ran the round's forwards; a burst's last counts
            if (!promptPublished) {
                // The prompt's blocks are now computed: let concurrent sessions with the same prefix import them.
                promptPublished = true;
                publish(false);
            }
            setKvBytes(session.kvSession().kvCapacityBytes());
            lastActive = System.nanoTime();
            return verdict;
        } finally {
            lock.unlock();
        }
    }

    /** Prompt tokens restored at open instead of prefilled. */
    public int cachedTokens() {
        return opened.cachedTokens();
    }

    /**
     * Sessions whose tokens shared the forward pass of this session's last round (1 if it ran alone; after extra
     * plain steps, their last forward's).
     */
    public int lastBatchSize() {
        return lastBatchSize;
    }

    public RestoreOutcome opened() {
        return opened;
    }

    public String tenant() {
        return tenant;
    }

    /** The committed tokens (prompt + generated). */
    public int[] committed() {
        return session.committed();
    }

    public boolean hasKv() {
        return attached;
    }

    long lastActiveNanos() {
        return lastActive;
    }

    long kvBytes() {
        return kvBytes;
    }

    /**
     * Records this session's KV capacity and moves the engine's running total by the difference, so the total is
     * exact at every instant (a sum over sessions read while they change could count a closing session and its
     * successor at once).
     */
    private void setKvBytes(long bytes) {
        long delta = bytes - kvBytes;
        kvBytes = bytes;
        engine.kvBytesChanged(delta);
    }

    /**
     * Offloads and frees this session's KV if it has idled for {@code minIdleNanos}; skipped if a round holds
     * the session right now.
     *
     * @return bytes of budget released
     */
    long evictIfIdle(long now, long minIdleNanos) {
        if (!lock.tryLock()) {
            return 0;
        }
        try {
            if (closed || !session.hasKv() || now - lastActive < minIdleNanos) {
                return 0;
            }
            publish(true);
            DecoderSession kv = session.detachKv();
            attached = false;
            kv.close();
            setKvBytes(0);
            reserved = false;
            engine.release(reservedBytes);
            engine.countEviction();
            return reservedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Frees the KV and the reservation exactly once, after publishing the session's blocks. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (session.hasKv()) {
                try {
                    publish(true);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "publishing a closing session's KV failed", e);
                }
            }
            session.close();
            attached = false;
            setKvBytes(0);
            if (reserved) {
                reserved = false;
                engine.release(reservedBytes);
            }
            engine.forget(this);
        } finally {
            lock.unlock();
        }
    }

    /** Memory again (may wait, may fail with RESOURCE_EXHAUSTED), then the longest cached prefix. Lock held. */
    private void reattach() {
        engine.reserveAgain(reservedBytes, "resuming an evicted session of " + session.committedLength() + " tokens");
        reserved = true;
        DecoderSession kv = null;
        try {
            kv = engine.model().newSession(tokenLimit);
            int[] tokens = session.committed();
            if (engine.restore(kv, tenant, tokens, tokens.length - 1) == null) {
                kv.close();
                kv = engine.model().newSession(tokenLimit);
            }
            session.attachKv(kv);
            attached = true;
        } catch (RuntimeException | Error e) {
            if (kv != null && !session.hasKv()) {
                kv.close();
            }
            reserved = false;
            engine.release(reservedBytes);
            throw e;
        }
    }

    private void publish(boolean toStore) {
        DecoderSession kv = session.kvSession();
        if (kv.length() >= engine.hasher().blockTokens()) {
            engine.publisher().publish(tenant, fence, kv, session.committedPrefix(kv.length()), toStore);
        }
    }
}
