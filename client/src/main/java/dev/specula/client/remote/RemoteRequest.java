package dev.specula.client.remote;

import dev.specula.core.sampling.SamplingParams;

/**
 * A generation request to the router.
 *
 * @param draftLength fixed k for speculative mode; 0 = the server's default
 * @param ignoreEos   keep generating to maxTokens past end-of-sequence
 */
public record RemoteRequest(String prompt, GenerationMode mode, int maxTokens, SamplingParams sampling,
                            int draftLength, boolean ignoreEos) {

    public RemoteRequest withMode(GenerationMode other) {
        return new RemoteRequest(prompt, other, maxTokens, sampling, draftLength, ignoreEos);
    }

    public RemoteRequest withMaxTokens(int tokens) {
        return new RemoteRequest(prompt, mode, tokens, sampling, draftLength, ignoreEos);
    }
}
