package dev.specula.router.plan;

import dev.specula.core.policy.SpeculationPlan;
import dev.specula.core.sampling.SamplingParams;

/**
 * A validated request as the router plans it, whichever front door it came through.
 *
 * @param promptTokens the tokenised prompt (non-empty, in vocabulary, fits the context with maxTokens)
 * @param draftLength  fixed k for speculative mode (>= 1)
 * @param tenant       KV namespace and quota owner, from the caller's API key ("default" when auth is off);
 *                     never taken from the request body
 * @param arrivalNanos {@link System#nanoTime()} when the request reached the front door (TTFT and E2E are measured
 *                     from here); 0 = when generation starts
 * @param output       stop strings, extra stop token ids and chunking of the output
 * @param plan         the speculation policies the request asked for over the router's defaults; null = the
 *                     router's defaults with {@code draftLength}
 */
public record GenerationRequest(int[] promptTokens, RequestMode mode, int maxTokens, SamplingParams sampling,
                                int draftLength, boolean ignoreEos, String tenant, long arrivalNanos,
                                OutputOptions output, SpeculationPlan plan) {

    public static final String DEFAULT_TENANT = "default";

    public GenerationRequest {
        tenant = tenant == null || tenant.isEmpty() ? DEFAULT_TENANT : tenant;
        output = output == null ? OutputOptions.NONE : output;
    }

    /** A request with the router's default speculation policies. */
    public GenerationRequest(int[] promptTokens, RequestMode mode, int maxTokens, SamplingParams sampling,
                             int draftLength, boolean ignoreEos, String tenant, long arrivalNanos,
                             OutputOptions output) {
        this(promptTokens, mode, maxTokens, sampling, draftLength, ignoreEos, tenant, arrivalNanos, output, null);
    }

    /** A request with the default tenant, arriving now, with no output options (the gRPC shape). */
    public GenerationRequest(int[] promptTokens, RequestMode mode, int maxTokens, SamplingParams sampling,
                             int draftLength, boolean ignoreEos) {
        this(promptTokens, mode, maxTokens, sampling, draftLength, ignoreEos, DEFAULT_TENANT, 0L, OutputOptions.NONE);
    }

    public GenerationRequest withTenant(String newTenant) {
        return new GenerationRequest(promptTokens, mode, maxTokens, sampling, draftLength, ignoreEos, newTenant,
                arrivalNanos, output, plan);
    }

    public GenerationRequest withArrival(long nanos) {
        return new GenerationRequest(promptTokens, mode, maxTokens, sampling, draftLength, ignoreEos, tenant, nanos,
                output, plan);
    }

    /**
     * The same request continued after {@code generated} tokens: they join the prompt and are no longer owed.
     * Counter-based randomness is keyed by absolute position, so a seeded continuation draws what the
     * uninterrupted request would have drawn.
     */
    public GenerationRequest continuedAfter(int[] generated) {
        int[] prompt = java.util.Arrays.copyOf(promptTokens, promptTokens.length + generated.length);
        System.arraycopy(generated, 0, prompt, promptTokens.length, generated.length);
        return new GenerationRequest(prompt, mode, maxTokens - generated.length, sampling, draftLength, ignoreEos,
                tenant, arrivalNanos, output, plan);
    }

    public GenerationRequest withPlan(SpeculationPlan newPlan) {
        return new GenerationRequest(promptTokens, mode, maxTokens, sampling, draftLength, ignoreEos, tenant,
                arrivalNanos, output, newPlan);
    }
}
