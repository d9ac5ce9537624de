package dev.specula.runtime.engine;

/**
 * The store refused a write because its {@link WriteFence} is older than the newest epoch it has seen for the
 * generation: another replica owns the generation now. Not a store failure (the store answered).
 */
public final class StaleWriteException extends RuntimeException {
    public StaleWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
