package dev.specula.router.plan;

import dev.specula.core.loop.FinishReason;

/**
 * How a generation ended.
 *
 * @param mode           the mode that actually ran (differs from the request after a fallback)
 * @param fallbackReason why another mode ran, or empty
 * @param elapsedSeconds from arrival at the router to the last token (monotonic clock)
 * @param cachedTokens   prompt tokens the verifier imported from a KV cache instead of prefilling
 */
public record Completion(RequestMode mode, FinishReason finishReason, int promptTokens, int completionTokens,
                         GenerationStats stats, String fallbackReason, double elapsedSeconds, int cachedTokens) {
}
