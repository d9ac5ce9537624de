package dev.specula.router.plan;

/**
 * Speculation counters of one generation (vLLM semantics: mean acceptance length = 1 + accepted / drafts), and
 * what the speculation policies decided.
 *
 * @param acceptedPerPosition     {@code [i]} = drafts whose token at position i was accepted
 * @param meanDraftLength         drafted tokens per verification round (k = 0 rounds included)
 * @param zeroDraftRounds         verification rounds without drafts
 * @param draftLengthChanges      rounds whose draft length differed from the previous round's
 * @param unverifiedTokens        tokens committed without verification (entropy-adaptive, unescalated cascade)
 * @param modelSwitches           entropy-adaptive hand-overs between small model and verifier
 * @param largeModelTokenFraction share of the tokens the verifier decided
 * @param escalations             cascade: 1 when the small model's answer escalated
 * @param cascadeScore            cascade: the answer's confidence score
 * @param ngramDrafts             rounds drafted by n-gram lookup
 * @param draftSource             what drafted: model, ngram, hybrid, none (empty when not reported)
 * @param lengthMode              fixed or adaptive (empty when not reported)
 */
public record GenerationStats(long rounds, long drafts, long draftTokens, long acceptedTokens,
                              long[] acceptedPerPosition, double acceptanceRate, double meanAcceptanceLength,
                              double meanDraftLength, long zeroDraftRounds, long draftLengthChanges,
                              long unverifiedTokens, long modelSwitches, double largeModelTokenFraction,
                              long escalations, double cascadeScore, long ngramDrafts, String draftSource,
                              String lengthMode) {

    /** The speculation counters alone (nothing reported about policies). */
    public GenerationStats(long rounds, long drafts, long draftTokens, long acceptedTokens, long[] acceptedPerPosition,
                           double acceptanceRate, double meanAcceptanceLength) {
        this(rounds, drafts, draftTokens, acceptedTokens, acceptedPerPosition, acceptanceRate, meanAcceptanceLength,
                rounds == 0 ? 0 : (double) draftTokens / rounds, 0, 0, 0, 0, 1.0, 0, Double.NaN, 0, "", "");
    }
}
