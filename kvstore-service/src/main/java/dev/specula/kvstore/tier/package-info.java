/**
 * Storage tiers under the block store, all behind {@link dev.specula.kvstore.tier.BlockTier}: the bounded off-heap
 * {@link dev.specula.kvstore.tier.MemoryTier} here, the local-disk tier in {@code tier.disk} and the Redis tier in
 * {@code tier.redis}. Each is bounded and evicts on its own; the store moves blocks between them.
 */
package dev.specula.kvstore.tier;
