package dev.specula.runtime.decoder;

/**
 * A sequence would grow past the model's {@code max_position_embeddings}. Raised before any model call, so
 * the session is unchanged and the caller can shorten the request (fewer drafts, a shorter prompt).
 */
public class ContextOverflowException extends RuntimeException {
    private final int length;
    private final int requested;
    private final int maxPositions;

    public ContextOverflowException(int length, int requested, int maxPositions) {
        super("context overflow: " + length + " tokens in the cache + " + requested + " new = " + (length + requested)
                + " exceeds max_position_embeddings " + maxPositions);
        this.length = length;
        this.requested = requested;
        this.maxPositions = maxPositions;
    }

    /** Tokens already in the KV cache. */
    public int length() {
        return length;
    }

    /** Tokens the caller tried to add. */
    public int requested() {
        return requested;
    }

    public int maxPositions() {
        return maxPositions;
    }
}
