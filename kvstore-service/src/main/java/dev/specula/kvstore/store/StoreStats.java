package dev.specula.kvstore.store;

/**
 * What {@code Stats} reports. Blocks and bytes are the asking tenant's own, summed over the tiers (a block held by
 * memory and disk counts twice: they are copies); capacity and the counters are store-wide, summed over the tiers,
 * because the budgets and eviction are shared (no per-tenant quota yet).
 *
 * @param hits   GetBlocks keys served since start
 * @param misses GetBlocks keys absent, or present but corrupt, since start
 */
public record StoreStats(long blocks, long bytes, long capacityBytes, long hits, long misses, long evictions) {
}
