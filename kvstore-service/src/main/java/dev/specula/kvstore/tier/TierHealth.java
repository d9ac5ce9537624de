package dev.specula.kvstore.tier;

/**
 * How a tier is coping.
 *
 * @param failures operations that failed (I/O error, timeout, open circuit, degraded state) and were answered as a
 *                 miss or a skipped write instead of an error: the tier's fallbacks
 * @param corrupt  records the tier itself found damaged (bad header, length or checksum) and deleted
 */
public record TierHealth(TierState state, long failures, long corrupt) {

    public static final TierHealth OK = new TierHealth(TierState.OK, 0, 0);
}
