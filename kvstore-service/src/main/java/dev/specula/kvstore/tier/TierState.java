package dev.specula.kvstore.tier;

/**
 * Health of a tier, exported as the gauge {@code specula_kvstore_tier_state} (the ordinal). A degraded tier never
 * fails a request: reads fall through to the next tier, writes are skipped, recomputation covers the rest.
 */
public enum TierState {
    /** Reads and writes. */
    OK,
    /** Serves what it holds but takes no writes (disk full or write errors); retries a write now and then. */
    READ_ONLY,
    /** Neither reads nor writes (disk unusable, Redis circuit open); every call is an immediate miss. */
    OFF
}
