package dev.specula.core.loop;

/**
 * Chooses how many tokens to draft in the next round. 0 means a plain decoding step. Policies may adapt from
 * the statistics of the rounds so far; they must not draw random numbers (replays stay identical).
 */
public interface DraftLengthPolicy {

    /** Upper bound on the draft length of the next round. */
    int nextLength(LoopStats stats);
}
