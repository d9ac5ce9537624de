package dev.specula.runtime.engine;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.speculation.ForwardExecutor;
import dev.specula.runtime.speculation.VerifierSession;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Many verification sessions on one model: admission against the KV budget, restore of cached prefixes at
 * open, batched forwards through the {@link ForwardScheduler}, publication of computed blocks to the prefix
 * cache and the store, and eviction of idle sessions. Thread-safe; each {@link ServedSession} is used by one
 * stream at a time.
 */
public final class ServingEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServingEngine.class.getName());

    private final DecoderModel model;
    private final EngineSettings settings;
    private final ModelFingerprint fingerprint;
    private final BlockHasher hasher;
    private final KvFootprint footprint;
    private final KvBudget budget;
    private final PrefixCache prefixCache;
    private final EngineCounters counters = new EngineCounters();
    private final GuardedStore store;
    private final KvOffloader offloader;
    private final KvRestorer restorer;
    private final KvPublisher publisher;
    private final ForwardScheduler scheduler;
    private final ForwardExecutor forward;
    private final Set<ServedSession> sessions = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong kvBytesInUse = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledExecutorService reaper;

    public ServingEngine(DecoderModel model, EngineSettings settings, BlockStore blockStore, BatchListener listener) {
        this.model = model;
        this.settings = settings;
        this.fingerprint = ModelFingerprint.of(model, settings.blockTokens());
        this.hasher = new BlockHasher(fingerprint, settings.blockTokens());
        this.footprint = new KvFootprint(model);
        this.budget = new KvBudget(settings.kvBudgetBytes());
        this.prefixCache = new PrefixCache(settings.prefixCacheBytes());
        this.store = new GuardedStore(blockStore, counters);
        RecentKeys storedKeys = new RecentKeys(1 << 16);
        this.offloader = new KvOffloader(store, storedKeys, counters, settings.offloadInFlightBytes());
        this.restorer = new KvRestorer(model.signature(), hasher, prefixCache, store, storedKeys, counters);
        this.publisher = new KvPublisher(hasher, prefixCache, offloader, blockStore.enabled(), storedKeys);
        this.scheduler = settings.batching() ? new ForwardScheduler(model, settings.scheduler(), listener) : null;
        this.forward = scheduler != null ? scheduler : ForwardExecutor.DIRECT;
        budget.roomMaker(this::evictIdle);
        this.reaper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "specula-kv-idle-reaper");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(10, Math.min(1000, settings.idleEvictAfter().toMillis() / 4));
        reaper.scheduleWithFixedDelay(() -> evictIdle(Long.MAX_VALUE), period, period, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "KV engine for {0}: fingerprint {1} ({2}), budget {3} bytes, block {4} tokens, batching {5}",
                model.folder(), fingerprint.value().hex(), fingerprint.weightsMode(), settings.kvBudgetBytes(),
                settings.blockTokens(), settings.batching());
    }

    /**
     * Admits a session (waiting up to the admission wait for KV memory) and restores the longest cached prefix
     * of its prompt. The prompt must already be validated against the model.
     *
     * @throws KvBudgetExhaustedException when no memory frees up in time
     */
    public ServedSession open(String tenant, int[] prompt, SamplingParams params, int maxNewTokens) {
        return open(tenant, WriteFence.NONE, prompt, params, maxNewTokens);
    }

    /**
     * {@link #open(String, int[], SamplingParams, int)} for a fenced generation: the session's store writes carry
     * {@code fence}.
     */
    public ServedSession open(String tenant, WriteFence fence, int[] prompt, SamplingParams params,
                              int maxNewTokens) {
        int limit = prompt.length + maxNewTokens;
        long bytes = footprint.bytesFor(limit);
        try {
            budget.reserve(bytes, settings.admissionWait(), "a session of " + prompt.length + " prompt + "
                    + maxNewTokens + " new tokens");
        } catch (KvBudgetExhaustedException e) {
            counters.admissionRejections.increment();
            throw e;
        }
        DecoderSession kv = null;
        try {
            kv = model.newSession(limit);
            RestoreOutcome restored = restore(kv, tenant, prompt, prompt.length - 1);
            if (restored == null) {
                kv.close();
                kv = model.newSession(limit);
                restored = RestoreOutcome.NONE;
            }
            VerifierSession session = VerifierSession.resume(kv, prompt, params, forward);
            ServedSession served = new ServedSession(this, tenant, fence, session, bytes, limit,
                    restored);
            sessions.add(served);
            return served;
        } catch (RuntimeException | Error e) {
            if (kv != null) {
                kv.close();
            }
            budget.release(bytes);
            throw e;
        }
    }

    public DecoderModel model() {
        return model;
    }

    public ModelFingerprint fingerprint() {
        return fingerprint;
    }

    public EngineSettings settings() {
        return settings;
    }

    public BlockHasher hasher() {
        return hasher;
    }

    /** The store codec name of this model's blocks. */
    public String codec() {
        return KvBlocks.codec(model.signature());
    }

    public EngineCounters counters() {
        return counters;
    }

    public KvBudget budget() {
        return budget;
    }

    public PrefixCache prefixCache() {
        return prefixCache;
    }

    /** Open sessions, evicted ones included. */
    public int sessions() {
        return sessions.size();
    }

    /** Sessions holding KV memory now (vLLM's num_requests_running). */
    public int runningSessions() {
        int running = 0;
        for (ServedSession session : sessions) {
            running += session.hasKv() ? 1 : 0;
        }
        return running;
    }

    /** Direct memory held by live KV caches right now (at most the reserved bytes). */
    public long kvBytesInUse() {
        return kvBytesInUse.get();
    }

    void kvBytesChanged(long delta) {
        kvBytesInUse.addAndGet(delta);
    }

    /** Sessions that shared the model call of the calling thread's last forward (1 without batching). */
    int lastBatchSize() {
        return scheduler == null ? 1 : scheduler.lastBatchSize();
    }

    /** Direct memory held by the scheduler's batch staging (outside the KV budget; 0 without batching). */
    public long batchStagingBytes() {
        return scheduler == null ? 0 : scheduler.stagingBytes();
    }

    /** Forward requests waiting for a scheduler step. */
    public int schedulerQueueDepth() {
        return scheduler == null ? 0 : scheduler.queueDepth();
    }

    /** Waits until offloaded blocks queued so far reached the store (tests, benchmarks). */
    public boolean awaitOffloads(Duration timeout) {
        return offloader.awaitIdle(timeout);
    }

    /**
     * Evicts idle sessions, least recently active first, until {@code bytes} are freed. Sessions idle for less
     * than the configured time are left alone.
     *
     * @return bytes released
     */
    long evictIdle(long bytes) {
        long now = System.nanoTime();
        long minIdle = settings.idleEvictAfter().toNanos();
        List<ServedSession> candidates = new ArrayList<>();
        for (ServedSession session : sessions) {
            if (session.hasKv() && now - session.lastActiveNanos() >= minIdle) {
                candidates.add(session);
            }
        }
        candidates.sort(Comparator.comparingLong(ServedSession::lastActiveNanos));
        long freed = 0;
        for (ServedSession session : candidates) {
            if (freed >= bytes) {
                break;
            }
            try {
                freed += session.evictIfIdle(now, minIdle);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "evicting an idle session failed", e);
            }
        }
        return freed;
    }

    /** Restore into {@code kv}; null when the import itself failed (the caller starts from an empty cache). */
    RestoreOutcome restore(DecoderSession kv, String tenant, int[] tokens, int usable) {
        try {
            return restorer.restore(kv, tenant, tokens, usable);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "restoring cached KV failed; recomputing instead", e);
            return null;
        }
    }

    void reserveAgain(long bytes, String what) {
        try {
            budget.reserve(bytes, settings.admissionWait(), what);
        } catch (KvBudgetExhaustedException e) {
            counters.admissionRejections.increment();
            throw e;
        }
    }

    void release(long bytes) {
        budget.release(bytes);
    }

    KvPublisher publisher() {
        return publisher;
    }

    void forget(ServedSession session) {
        sessions.remove(session);
    }

    void countEviction() {
        counters.evictions.increment();
    }

    @Override
    public void close() {
        reaper.shutdownNow();
        for (ServedSession session : List.copyOf(sessions)) {
            session.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        offloader.awaitIdle(Duration.ofSeconds(5));
        offloader.close();
    }
}
