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
 */
public record RemoteResult(String text, int[] tokenIds, GenerationMode mode, String finishReason, int promptTokens,
                           int completionTokens, double acceptanceRate, double meanAcceptanceLength, long drafts,
                           long draftTokens, long acceptedTokens, double elapsedSeconds, String fallbackReason) {

    public double tokensPerSecond() {
        return elapsedSeconds <= 0 ? 0 : completionTokens / elapsedSeconds;
    }
}
