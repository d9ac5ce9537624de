package dev.specula.router.plan;

import dev.specula.core.sampling.SamplingParams;

/**
 * A validated request as the router plans it, whichever front door it came through.
 *
 * @param promptTokens the tokenised prompt (non-empty, in vocabulary, fits the context with maxTokens)
 * @param draftLength  fixed k for speculative mode (>= 1)
 */
public record GenerationRequest(int[] promptTokens, RequestMode mode, int maxTokens, SamplingParams sampling,
                                int draftLength, boolean ignoreEos) {
}
