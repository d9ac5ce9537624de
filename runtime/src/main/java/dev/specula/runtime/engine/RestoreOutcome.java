package dev.specula.runtime.engine;

/**
 * What a restore imported into a fresh cache.
 *
 * @param localTokens tokens from the verifier's prefix cache
 * @param storeTokens tokens from the KV store
 */
public record RestoreOutcome(int localTokens, int storeTokens) {
    public static final RestoreOutcome NONE = new RestoreOutcome(0, 0);

    /** Tokens whose KV was not computed: OpenAI's cached_tokens. */
    public int cachedTokens() {
        return localTokens + storeTokens;
    }
}
