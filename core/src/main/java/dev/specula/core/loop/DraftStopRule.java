package dev.specula.core.loop;

/**
 * Ends a draft before its maximum length. A draft source consults the round's rule after each drafted token, in
 * order; when the rule returns true the draft ends with that token (it is kept and verified). A rule belongs to
 * one round ({@link DraftLengthPolicy#stopRule()} makes a fresh one) and may keep state across its calls, e.g. a
 * running product of predicted acceptance probabilities. Rules draw no random numbers.
 *
 * <p>Any stop rule keeps speculation lossless: whether position i + 1 is drafted depends only on the draft side
 * (tokens and confidences up to i), never on the verifier's randomness at i + 1.
 */
@FunctionalInterface
public interface DraftStopRule {

    /** Never stops early: the draft runs to its maximum length. */
    DraftStopRule NEVER = (index, confidence) -> false;

    /**
     * @param index      0-based index, within this round's draft, of the token just drafted
     * @param confidence the drafter's confidence in that token ({@link Draft#confidences()})
     * @return true to end the draft after this token
     */
    boolean stopAfter(int index, float confidence);
}
