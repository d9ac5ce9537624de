package dev.specula.runtime.engine;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;

/**
 * The engine's view of the {@link BlockStore}: every failure, timeout or open breaker becomes a miss (lookup 0,
 * no blocks) and is counted as a fallback, so a store outage costs recomputation, never a request.
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

    int lookupPrefix(String tenant, List<Hash256> chain) {
        if (!breaker.allow()) {
            counters.storeFallbacks.increment();
            return 0;
        }
        try {
            int stored = store.lookupPrefix(tenant, chain);
            breaker.success();
            return Math.max(0, Math.min(stored, chain.size()));
        } catch (RuntimeException e) {
            failed("lookup", e);
            return 0;
        }
    }

    List<byte[]> get(String tenant, List<Hash256> keys) {
        if (!breaker.allow()) {
            counters.storeFallbacks.increment();
            return List.of();
        }
        try {
            List<byte[]> blocks = store.get(tenant, keys);
            breaker.success();
            return blocks.size() <= keys.size() ? blocks : blocks.subList(0, keys.size());
        } catch (RuntimeException e) {
            failed("get", e);
            return List.of();
        }
    }

    boolean put(String tenant, List<StoredBlock> blocks) {
        if (!breaker.allow()) {
            counters.storeFallbacks.increment();
            return false;
        }
        try {
            store.put(tenant, blocks);
            breaker.success();
            return true;
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
