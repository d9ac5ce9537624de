package dev.specula.kvstore.tier;

/** What a put did. */
public enum PutOutcome {
    /** Wrote new bytes. */
    STORED,
    /** Found the key already stored and left it as it was (content-addressed: same key, same bytes). */
    EXISTING,
    /**
     * Did not store the block and nothing is wrong with the request: the tier is degraded or unreachable, or the
     * block can never fit it. Only lower tiers answer this; the store then tries the next one or drops the copy.
     */
    SKIPPED
}
