package dev.specula.kvstore.store;

/**
 * What {@code Stats} reports. Blocks and bytes are the asking tenant's own; capacity and the counters are
 * store-wide, because the budget and eviction are shared (no per-tenant quota yet).
 *
 * @param hits   GetBlocks keys served since start
 * @param misses GetBlocks keys absent, or present but corrupt, since start
 */
public record StoreStats(long blocks, long bytes, long capacityBytes, long hits, long misses, long evictions) {
}
