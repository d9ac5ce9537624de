package dev.specula.client.remote;

/**
 * What the speculation policies decided for one generation, as the router reported it.
 *
 * @param draftSource             what drafted: model, ngram, hybrid, none (empty when not reported)
 * @param lengthMode              fixed or adaptive (empty when not reported)
 * @param rounds                  verification rounds
 * @param meanDraftLength         drafted tokens per verification round (k = 0 rounds included)
 * @param zeroDraftRounds         rounds without drafts (plain decoding steps)
 * @param draftLengthChanges      rounds whose draft length differed from the previous round's
 * @param unverifiedTokens        tokens committed without verification (entropy-adaptive, unescalated cascade)
 * @param modelSwitches           entropy-adaptive hand-overs between the small model and the verifier
 * @param largeModelTokenFraction share of the tokens the verifier decided
 * @param escalations             cascade: 1 when the small model's answer escalated to the verifier
 * @param cascadeScore            cascade: the answer's confidence score (0 when not a cascade)
 * @param ngramDrafts             rounds drafted by n-gram lookup
 */
public record PolicyReport(String draftSource, String lengthMode, long rounds, double meanDraftLength,
                           long zeroDraftRounds, long draftLengthChanges, long unverifiedTokens, long modelSwitches,
                           double largeModelTokenFraction, long escalations, double cascadeScore, long ngramDrafts) {

    /** Nothing reported (a cancelled generation). */
    public static final PolicyReport NONE = new PolicyReport("", "", 0, 0, 0, 0, 0, 0, 1.0, 0, 0, 0);
}
