package dev.specula.core.loop;

/** How many extra plain steps a round without a draft asks the verifier for, in both loops. */
final class PlainBurst {
    private PlainBurst() {
    }

    /**
     * As many as the length policy asks for after choosing a plain step ({@code k <= 0}), or as the draft source
     * will sit out (a backed-off drafter), whichever is more; never past the budget, none for a round with a draft.
     *
     * @param budget tokens the generation may still commit
     */
    static int steps(int k, Draft draft, DraftLengthPolicy policy, DraftSource drafter, TokenSequence committed,
                     int budget) {
        if (draft.length() > 0) {
            return 0;
        }
        int wanted = Math.max(k <= 0 ? policy.extraPlainSteps() : 0, drafter.plainStepsAhead(committed));
        return Math.max(0, Math.min(wanted, budget - 1));
    }
}
