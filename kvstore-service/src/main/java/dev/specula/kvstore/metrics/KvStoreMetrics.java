package dev.specula.kvstore.metrics;

import dev.specula.kvstore.store.BlockStore;
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
 * specula_kvstore_corrupt_total                                blocks that failed their checksum on read (removed)
 * specula_kvstore_evictions_total{tier}                        blocks dropped to stay within budget
 * specula_kvstore_used_bytes{tier}, _capacity_bytes{tier}      payload bytes held, and the budget
 * specula_kvstore_blocks{tier}                                 blocks held
 * </pre>
 * Hits and queries are counters, not only a ratio, so dashboards can rate() them (CONVENTIONS.md 2.5.9).
 */
public final class KvStoreMetrics implements MeterBinder {

    private final BlockStore store;

    public KvStoreMetrics(BlockStore store) {
        this.store = store;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("specula.kvstore.hits", store, BlockStore::hits)
                .description("GetBlocks keys served from the store").register(registry);
        FunctionCounter.builder("specula.kvstore.misses", store, BlockStore::misses)
                .description("GetBlocks keys absent or corrupt").register(registry);
        FunctionCounter.builder("specula.kvstore.queries", store, s -> s.hits() + s.misses())
                .description("GetBlocks keys asked for").register(registry);
        FunctionCounter.builder("specula.kvstore.corrupt", store, BlockStore::corrupt)
                .description("Blocks that failed their CRC32C on read and were removed").register(registry);
        for (BlockTier tier : store.tiers()) {
            bindTier(registry, tier);
        }
    }

    private static void bindTier(MeterRegistry registry, BlockTier tier) {
        FunctionCounter.builder("specula.kvstore.evictions", tier, t -> t.usage().evictions())
                .tag("tier", tier.name()).description("Blocks evicted to stay within the budget").register(registry);
        Gauge.builder("specula.kvstore.used", tier, t -> t.usage().bytes())
                .tag("tier", tier.name()).baseUnit(BaseUnits.BYTES).description("Payload bytes held")
                .register(registry);
        Gauge.builder("specula.kvstore.capacity", tier, t -> t.usage().capacityBytes())
                .tag("tier", tier.name()).baseUnit(BaseUnits.BYTES).description("Byte budget of the tier")
                .register(registry);
        Gauge.builder("specula.kvstore.blocks", tier, t -> t.usage().blocks())
                .tag("tier", tier.name()).description("Blocks held").register(registry);
    }
}
