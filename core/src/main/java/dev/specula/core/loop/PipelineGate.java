package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;
import java.util.Optional;

/**
 * The verifier's side of pipelined rounds. A pipelined client sends round r+1 before the verdict of round r
 * arrives, drafting on the assumption that round r is accepted in full; its first token is the client's guess of
 * round r's bonus token. Such a <em>continuation</em> round is checked only if that assumption came true: round r
 * was itself checked, accepted every draft, and its next token equals the guess. Then the guess is already
 * committed and the rest is verified as an ordinary round; otherwise the round is discarded without touching
 * the session, and so is every continuation chained onto it.
 *
 * <p>So the committed sequence is exactly what sequential rounds would have produced (losslessness is untouched),
 * and the client, which sees every verdict, can tell on its own which of its rounds were discarded.
 */
public final class PipelineGate {
    private boolean lastChecked;
    private boolean lastFullyAccepted;
    private int lastNextToken;

    /**
     * The part of a round's draft to verify, or empty when the round must be discarded.
     *
     * @throws IllegalArgumentException for a continuation that carries unchecked context or no tokens at all
     */
    public Optional<Draft> admit(boolean continuesPrevious, int[] uncheckedContext, Draft draft) {
        if (!continuesPrevious) {
            return Optional.of(draft);
        }
        if (uncheckedContext.length > 0) {
            throw new IllegalArgumentException("a continuation round cannot carry unchecked context");
        }
        if (draft.length() == 0) {
            throw new IllegalArgumentException("a continuation round starts with its guess of the previous next token");
        }
        if (continuationHolds(draft)) {
            return Optional.of(draft.suffix(1));
        }
        lastChecked = false;
        return Optional.empty();
    }

    /**
     * Whether a continuation with this draft would be checked now: the last round was checked, accepted every
     * draft, and its last committed token (its next token, or its last extra plain step) equals the
     * continuation's first token.
     */
    public boolean continuationHolds(Draft draft) {
        return lastChecked && lastFullyAccepted && draft.length() > 0 && draft.tokens()[0] == lastNextToken;
    }

    /** Records the verdict of an admitted round ({@code verified} is what {@link #admit} returned). */
    public void checked(Draft verified, Verdict verdict) {
        lastChecked = true;
        lastFullyAccepted = verdict.accepted() == verified.length();
        lastNextToken = verdict.lastToken(); // after extra plain steps, the token a continuation must guess
    }
}
