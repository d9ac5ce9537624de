package dev.specula.router.plan;

/**
 * Speculation counters of one generation (vLLM semantics: mean acceptance length = 1 + accepted / drafts).
 *
 * @param acceptedPerPosition {@code [i]} = drafts whose token at position i was accepted
 */
public record GenerationStats(long rounds, long drafts, long draftTokens, long acceptedTokens,
                              long[] acceptedPerPosition, double acceptanceRate, double meanAcceptanceLength) {
}
