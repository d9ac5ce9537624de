package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;

/**
 * One verified round as the policies see it.
 *
 * @param draft         the draft that was verified (in entropy-adaptive mode, without the prefix committed
 *                      unverified)
 * @param verdict       the verifier's answer to it
 * @param draftedTokens tokens the source drafted this round ({@code >= draft.length()})
 * @param draftNanos    time the draft source took this round; 0 when nothing was drafted
 * @param verifyNanos   time of the verify call: the round trip as the loop sees it, forward pass included
 * @param load          the verifier's load as reported with this verdict
 * @param serverNanos   time the verifier itself spent on the round (its forward pass included), or -1 when it
 *                      did not say; the rest of {@code verifyNanos} is network and queueing
 */
public record RoundTrace(Draft draft, Verdict verdict, int draftedTokens, long draftNanos, long verifyNanos,
                         VerifierLoad load, long serverNanos) {

    /**
     * The trace of a round as measured, with a burst of extra plain steps priced per step: its verifier time
     * divided by the steps taken, its network time (the rest of the round) once. Cost models thus keep
     * estimating one step; a round without extra steps is returned as measured.
     */
    static RoundTrace perStep(Draft draft, Verdict verdict, int draftedTokens, long draftNanos, long verifyNanos,
                              VerifierLoad load, long serverNanos) {
        int steps = 1 + verdict.extraTokens().length;
        if (steps > 1) {
            if (serverNanos >= 0 && serverNanos <= verifyNanos) {
                long perStep = serverNanos / steps;
                verifyNanos = verifyNanos - serverNanos + perStep;
                serverNanos = perStep;
            } else {
                verifyNanos /= steps;
            }
        }
        return new RoundTrace(draft, verdict, draftedTokens, draftNanos, verifyNanos, load, serverNanos);
    }

    /** A round whose verifier did not report its own time (in process, the whole round is the verifier's). */
    public RoundTrace(Draft draft, Verdict verdict, int draftedTokens, long draftNanos, long verifyNanos,
                      VerifierLoad load) {
        this(draft, verdict, draftedTokens, draftNanos, verifyNanos, load, -1);
    }
}
