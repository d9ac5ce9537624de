package dev.specula.router.backend;

import dev.specula.core.loop.FinishReason;
import dev.specula.router.plan.GenerationStats;

/**
 * One backend generation as the router consumes it: chunks of token ids, then a summary.
 * Implemented over a gRPC server stream; calls block until the next event.
 */
public interface BackendStream {

    /** The next chunk's token ids, or null once the summary has arrived. */
    int[] nextChunk();

    /** Valid after {@link #nextChunk()} returned null. */
    FinishReason finishReason();

    GenerationStats stats();

    /** Prompt tokens the verifier took from a KV cache (OpenAI {@code cached_tokens}); valid with the summary. */
    int cachedTokens();

    /** Stops the backend generation (client went away). */
    void cancel();
}
