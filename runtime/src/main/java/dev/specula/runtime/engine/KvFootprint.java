package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderModel;

/**
 * The most direct memory one session's KV cache can hold while its length never exceeds T tokens: what
 * admission reserves, so the budget bounds real memory rather than the logical KV size.
 *
 * <p>The runtime's cache is double-buffered (the model writes the new KV into a spare buffer) and grows
 * geometrically from 64 tokens, doubling the larger buffer; both buffers can thus reach up to about 4T and 2T
 * rows (never beyond the context): bound = min(2 × context, max(192, 6T)) × KV bytes per token. The bound is
 * checked against real sessions by a test, so a change of the cache's growth policy cannot silently break it.
 * A cache that grew exactly to T would need 2T; the difference is the price of amortised O(1) appends.
 */
public final class KvFootprint {
    private final long bytesPerToken;
    private final int maxPositions;

    public KvFootprint(DecoderModel model) {
        this(model.signature().kvBytesPerToken(), model.maxPositions());
    }

    KvFootprint(long bytesPerToken, int maxPositions) {
        this.bytesPerToken = bytesPerToken;
        this.maxPositions = maxPositions;
    }

    /** Bytes to reserve for a session whose cache holds at most {@code tokens} tokens. */
    public long bytesFor(int tokens) {
        long rows = Math.min(2L * maxPositions, Math.max(192L, 6L * tokens));
        return rows * bytesPerToken;
    }

    public long bytesPerToken() {
        return bytesPerToken;
    }
}
