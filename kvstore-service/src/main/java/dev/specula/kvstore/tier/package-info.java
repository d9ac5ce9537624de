/**
 * Storage tiers under the block store. Each tier is bounded and evicts on its own; only the off-heap memory tier
 * exists so far, the local-disk and Redis tiers will implement the same {@link dev.specula.kvstore.tier.BlockTier}.
 */
package dev.specula.kvstore.tier;
