package dev.specula.kvstore.metrics;

import dev.specula.kvstore.fence.WriterEpochs;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.kvstore.store.TierCounters;
import dev.specula.kvstore.tier.BlockTier;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds the store's own counters to the application's registry (never the global one, so several services can share
 * a JVM). Reads are lazy: the store keeps plain counters and Prometheus samples them on scrape.
 *
 * <pre>
 * specula_kvstore_hits_total, _misses_total, _queries_total   GetBlocks keys served / not served / asked for
 * specula_kvstore_corrupt_total{tier}                          damaged blocks found on read (removed, missed):
 *                                                              bad payload checksum, or a damaged disk/Redis record
 * specula_kvstore_tier_hits_total{tier}                        GetBlocks keys served by this tier
 * specula_kvstore_promotions_total{tier}                       hits in this tier copied up into memory
 * specula_kvstore_demotions_total{tier}                        blocks written into this tier on eviction from above
 * specula_kvstore_fallback_total{tier}                         calls this tier failed (I/O error, timeout, open
 *                                                              circuit, read-only) that became a miss or a skip
 * specula_kvstore_tier_state{tier}                             0 ok, 1 read-only, 2 off (TierState)
 * specula_kvstore_evictions_total{tier}                        blocks dropped to stay within budget
 * specula_kvstore_used_bytes{tier}, _capacity_bytes{tier}      bytes held, and the budget
 * specula_kvstore_blocks{tier}                                 blocks held
 * specula_kvstore_fence_writes_total{outcome}                  PutBlocks messages of fenced generations: admitted,
 *                                                              or rejected (an older epoch than the newest seen)
 * specula_kvstore_fence_generations                            generations whose newest epoch is remembered
 * </pre>
 * Hits and queries are counters, not only a ratio, so dashboards can rate() them (CONVENTIONS.md 2.5.9). Alert on
 * {@code specula_kvstore_tier_state > 0} and on a rising fallback or corrupt rate (RELIABILITY.md #11, #12, #25).
 */
public final class KvStoreMetrics implements MeterBinder {

    private final BlockStore store;
    private final WriterEpochs epochs;

    public KvStoreMetrics(BlockStore store, WriterEpochs epochs) {
        this.store = store;
        this.epochs = epochs;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("specula.kvstore.hits", store, BlockStore::hits)
                .description("GetBlocks keys served from the store").register(registry);
        FunctionCounter.builder("specula.kvstore.misses", store, BlockStore::misses)
                .description("GetBlocks keys absent or corrupt").register(registry);
        FunctionCounter.builder("specula.kvstore.queries", store, s -> s.hits() + s.misses())
                .description("GetBlocks keys asked for").register(registry);
        FunctionCounter.builder("specula.kvstore.fence.writes", epochs, WriterEpochs::admitted)
                .tag("outcome", "admitted").description("PutBlocks messages of fenced generations admitted")
                .register(registry);
        FunctionCounter.builder("specula.kvstore.fence.writes", epochs, WriterEpochs::rejected)
                .tag("outcome", "rejected")
                .description("PutBlocks messages refused: their epoch is older than the newest seen (stale writer)")
                .register(registry);
        Gauge.builder("specula.kvstore.fence.generations", epochs, WriterEpochs::size)
                .description("Generations whose newest epoch the store remembers").register(registry);
        for (int level = 0; level < store.tiers().size(); level++) {
            bindTier(registry, store.tiers().get(level), store.counters(level));
        }
    }

    private static void bindTier(MeterRegistry registry, BlockTier tier, TierCounters counters) {
        String name = tier.name();
        FunctionCounter.builder("specula.kvstore.corrupt", tier, t -> counters.corrupt() + t.health().corrupt())
                .tag("tier", name).description("Damaged blocks found on read, removed and reported as misses")
                .register(registry);
        FunctionCounter.builder("specula.kvstore.tier.hits", counters, TierCounters::hits)
                .tag("tier", name).description("GetBlocks keys served by this tier").register(registry);
        FunctionCounter.builder("specula.kvstore.promotions", counters, TierCounters::promotions)
                .tag("tier", name).description("Hits in this tier copied up into the memory tier").register(registry);
        FunctionCounter.builder("specula.kvstore.demotions", counters, TierCounters::demotions)
                .tag("tier", name).description("Blocks written into this tier when the tier above evicted them")
                .register(registry);
        FunctionCounter.builder("specula.kvstore.fallback", tier, t -> t.health().failures())
                .tag("tier", name).description("Failed tier calls answered as a miss or a skipped write")
                .register(registry);
        Gauge.builder("specula.kvstore.tier.state", tier, t -> t.health().state().ordinal())
                .tag("tier", name).description("0 ok, 1 read-only, 2 off").register(registry);
        FunctionCounter.builder("specula.kvstore.evictions", tier, t -> t.usage().evictions())
                .tag("tier", name).description("Blocks evicted to stay within the budget").register(registry);
        Gauge.builder("specula.kvstore.used", tier, t -> t.usage().bytes())
                .tag("tier", name).baseUnit(BaseUnits.BYTES).description("Bytes held").register(registry);
        Gauge.builder("specula.kvstore.capacity", tier, t -> t.usage().capacityBytes())
                .tag("tier", name).baseUnit(BaseUnits.BYTES).description("Byte budget of the tier")
                .register(registry);
        Gauge.builder("specula.kvstore.blocks", tier, t -> t.usage().blocks())
                .tag("tier", name).description("Blocks held").register(registry);
    }
}
