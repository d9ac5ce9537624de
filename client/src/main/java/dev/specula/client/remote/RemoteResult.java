package dev.specula.client.remote;

/**
 * What the router reported for one generation.
 *
 * @param mode                 the mode that ran (after any fallback)
 * @param finishReason         "stop", "length" or "cancelled"
 * @param acceptanceRate       accepted / drafted tokens (0 when nothing was drafted)
 * @param meanAcceptanceLength 1 + accepted / drafts
 * @param drafts               rounds that drafted at least one token
 * @param draftTokens          drafted tokens
 * @param acceptedTokens       accepted drafted tokens
 * @param elapsedSeconds       router-measured time from arrival to the last token
 * @param fallbackReason       why another mode ran, or empty
 * @param policy               what the speculation policies decided
 */
public record RemoteResult(String text, int[] tokenIds, GenerationMode mode, String finishReason, int promptTokens,
                           int completionTokens, double acceptanceRate, double meanAcceptanceLength, long drafts,
                           long draftTokens, long acceptedTokens, double elapsedSeconds, String fallbackReason,
                           PolicyReport policy) {

    public RemoteResult {
        policy = policy == null ? PolicyReport.NONE : policy;
    }

    /** A result without a policy report. */
    public RemoteResult(String text, int[] tokenIds, GenerationMode mode, String finishReason, int promptTokens,
                        int completionTokens, double acceptanceRate, double meanAcceptanceLength, long drafts,
                        long draftTokens, long acceptedTokens, double elapsedSeconds, String fallbackReason) {
        this(text, tokenIds, mode, finishReason, promptTokens, completionTokens, acceptanceRate, meanAcceptanceLength,
                drafts, draftTokens, acceptedTokens, elapsedSeconds, fallbackReason, PolicyReport.NONE);
    }

    public double tokensPerSecond() {
        return elapsedSeconds <= 0 ? 0 : completionTokens / elapsedSeconds;
    }
}
