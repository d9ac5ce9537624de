package dev.specula.runtime.engine;

/** Observes each scheduler step (metrics). Called on the scheduler thread: keep it cheap. */
@FunctionalInterface
public interface BatchListener {
    BatchListener NONE = (sessions, tokens, paddedTokens, nanos) -> {
    };

    /**
     * @param sessions     sessions in the model call
     * @param tokens       real new tokens fed
     * @param paddedTokens tokens including padding (sessions × widest)
     * @param nanos        wall time of the step
     */
    void onStep(int sessions, int tokens, int paddedTokens, long nanos);
}
