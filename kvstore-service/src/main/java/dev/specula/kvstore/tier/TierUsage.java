package dev.specula.kvstore.tier;

/**
 * A tier's fill level.
 *
 * @param bytes         bytes held as counted against the budget: payloads in memory (page slack not included),
 *                      header plus payload on disk and in Redis
 * @param capacityBytes the budget the tier never exceeds
 * @param evictions     blocks dropped to make room since start
 */
public record TierUsage(long blocks, long bytes, long capacityBytes, long evictions) {
}
