package dev.specula.kvstore.tier;

/**
 * A tier's fill level.
 *
 * @param bytes         payload bytes held (page slack not included)
 * @param capacityBytes the budget the tier never exceeds
 * @param evictions     blocks dropped to make room since start
 */
public record TierUsage(long blocks, long bytes, long capacityBytes, long evictions) {
}
