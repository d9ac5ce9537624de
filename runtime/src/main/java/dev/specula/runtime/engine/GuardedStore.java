package dev.specula.runtime.engine;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;

/**
 * The engine's view of the {@link BlockStore}: every failure, timeout or open breaker becomes a miss (no blocks)
 * and is counted as a fallback, so a store outage costs recomputation, never a request.
 */
final class GuardedStore {
    private static final System.Logger LOG = System.getLogger(GuardedStore.class.getName());

    private final BlockStore store;
    private final CircuitBreaker breaker;
    private final EngineCounters counters;

    GuardedStore(BlockStore store, EngineCounters counters) {
        this(store, new CircuitBreaker(5, Duration.ofSeconds(5), System::nanoTime), counters);
    }

    GuardedStore(BlockStore store, CircuitBreaker breaker, EngineCounters counters) {
        this.store = store;
        this.breaker = breaker;
        this.counters = counters;
    }

    boolean enabled() {
        return store.enabled();
    }

    /**
     * {@link BlockStore#fetchPrefix}; a failure is a miss (0), whatever the sink already took: the caller imports
     * only the returned count, so a failing store costs recomputation, never a partly trusted stream.
     */
    int fetchPrefix(String tenant, List<Hash256> chain, BlockSink sink) {
        if (!breaker.allow()) {
            counters.storeFallbacks.increment();
            return 0;
        }
        try {
            int fetched = store.fetchPrefix(tenant, chain, sink);
            breaker.success();
            return Math.max(0, Math.min(fetched, chain.size()));
        } catch (RuntimeException e) {
            failed("fetch", e);
            return 0;
        }
    }

    /** @return whether the store took the blocks; a fenced-off write is not a store failure (breaker untouched) */
    boolean put(String tenant, WriteFence fence, List<StoredBlock> blocks) {
        if (!breaker.allow()) {
            counters.storeFallbacks.increment();
            return false;
        }
        try {
            store.put(tenant, fence, blocks);
            breaker.success();
            return true;
        } catch (StaleWriteException e) {
            breaker.success();
            counters.offloadFencedBlocks.add(blocks.size());
            LOG.log(Level.INFO, "KV offload of generation {0} epoch {1} refused by the store: {2}",
                    fence.generationId(), fence.epoch(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            failed("put", e);
            return false;
        }
    }

    private void failed(String call, RuntimeException e) {
        breaker.failure();
        counters.storeFallbacks.increment();
        LOG.log(Level.DEBUG, "KV store {0} failed, falling back to recomputation: {1}", call, e.toString());
    }
}
