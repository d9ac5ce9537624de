package dev.specula.client.remote;

import dev.specula.core.sampling.SamplingParams;

/**
 * A generation request to the router.
 *
 * @param draftLength fixed k for speculative mode (adaptive: the first rounds' k); 0 = the server's default
 * @param ignoreEos   keep generating to maxTokens past end-of-sequence
 * @param options     speculation policies (draft source, lengths, entropy-adaptive and cascade settings)
 */
public record RemoteRequest(String prompt, GenerationMode mode, int maxTokens, SamplingParams sampling,
                            int draftLength, boolean ignoreEos, SpeculationOptions options) {

    public RemoteRequest {
        options = options == null ? SpeculationOptions.DEFAULTS : options;
    }

    /** A request with the router's default speculation policies. */
    public RemoteRequest(String prompt, GenerationMode mode, int maxTokens, SamplingParams sampling, int draftLength,
                         boolean ignoreEos) {
        this(prompt, mode, maxTokens, sampling, draftLength, ignoreEos, SpeculationOptions.DEFAULTS);
    }

    public RemoteRequest withMode(GenerationMode other) {
        return new RemoteRequest(prompt, other, maxTokens, sampling, draftLength, ignoreEos, options);
    }

    public RemoteRequest withMaxTokens(int tokens) {
        return new RemoteRequest(prompt, mode, tokens, sampling, draftLength, ignoreEos, options);
    }

    public RemoteRequest withOptions(SpeculationOptions other) {
        return new RemoteRequest(prompt, mode, maxTokens, sampling, draftLength, ignoreEos, other);
    }

    public RemoteRequest withDraftLength(int k) {
        return new RemoteRequest(prompt, mode, maxTokens, sampling, k, ignoreEos, options);
    }
}
