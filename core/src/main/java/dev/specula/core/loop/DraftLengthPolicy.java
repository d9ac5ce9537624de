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

    /** Learns from one verified round; the loop calls it after every verification. */
    default void observe(RoundTrace round) {
    }
}
