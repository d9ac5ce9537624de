package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderModel;

/**
 * The most direct memory one served session's KV cache can hold while its length never exceeds T tokens: what
 * admission reserves, so the budget bounds real memory rather than the logical KV size.
 *
 * <p>The runtime's cache is double-buffered (the model writes the new KV into a spare buffer). A served session
 * is created knowing T (prompt + max_new_tokens, {@code DecoderModel.newSession(T)}), and its buffers never grow
 * past T, so both together hold at most 2T rows (never beyond the context): bound = min(2 × context, 2T) × KV bytes
 * per token. The bound is checked against real sessions by a test, so a change of the cache's growth policy cannot
 * silently break it.
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

    /** Bytes to reserve for a session made by {@code newSession(tokens)}, whose cache holds at most that many. */
    public long bytesFor(int tokens) {
        long rows = 2L * Math.min(maxPositions, tokens);
        return rows * bytesPerToken;
    }

    public long bytesPerToken() {
        return bytesPerToken;
    }
}
