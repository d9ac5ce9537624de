package dev.specula.core.loop;

/**
 * Chooses how many tokens to draft in the next round (0 means a plain decoding step), may end a draft early
 * through a {@link DraftStopRule}, and learns from each verified round. Policies are per generation; they must
 * not draw random numbers. Whatever they decide, speculation stays lossless: draft lengths only change how many
 * positions a round proposes, never how a position is verified.
 */
public interface DraftLengthPolicy {

    /** Upper bound on the draft length of the next round. */
    int nextLength(LoopStats stats);

    /** The rule that may end this round's draft before {@link #nextLength} tokens; asked once per drafting round. */
    default DraftStopRule stopRule() {
        return DraftStopRule.NEVER;
    }

    /**
     * Plain steps the verifier may add on its own to a round with no draft (asked right after {@link #nextLength}
     * returned 0): a target-only burst that saves a round trip per token where the link, not the verifier, is the
     * cost. The steps decode exactly as that many k = 0 rounds would. 0 by default.
     */
    default int extraPlainSteps() {
        return 0;
    }

    /**
     * Learns from one verified round; the loop calls it after every verification. A round with extra plain steps
     * is reported per step: its verifier time divided by the steps taken, its network time once.
     */
    default void observe(RoundTrace round) {
    }
}
