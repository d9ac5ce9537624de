package dev.specula.runtime.engine;

/** No KV memory for a session within the admission wait; the service maps this to RESOURCE_EXHAUSTED. */
public final class KvBudgetExhaustedException extends RuntimeException {
    public KvBudgetExhaustedException(String message) {
        super(message);
    }
}
