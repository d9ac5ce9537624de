package dev.specula.core.loop;

/**
 * Hears the rounds of a {@link SpeculationLoop}, e.g. to trace each one. The loop calls it on its own thread, in
 * order: {@link #started}, at most one {@link #verified}, then always {@link #ended}. {@link #NONE} is the default
 * and costs one no-op call per hook, so a loop nobody listens to pays nothing measurable.
 */
public interface RoundListener {

    RoundListener NONE = new RoundListener() {
    };

    /** A round begins, before its draft; rounds count from 1 in each generation. */
    default void started(int round) {
    }

    /**
     * The round's draft was verified.
     *
     * @param trace     what the round drafted, what the verifier accepted, and how long each half took
     * @param committed tokens the round committed (accepted drafts plus the recovered or bonus token, cut at a
     *                  stop token or the budget)
     */
    default void verified(RoundTrace trace, int committed) {
    }

    /**
     * The round is over: verified, committed unverified in full (entropy-adaptive mode), or failed.
     *
     * @param failure what the round threw (it propagates after this call), or null
     */
    default void ended(Throwable failure) {
    }
}
