package dev.specula.router.plan;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.validation.GenerationLimits;

/**
 * Turns a front door's raw fields into a {@link GenerationRequest}, or refuses it with a message naming the
 * field. Runs before anything is allocated on a backend.
 */
public final class RequestValidator {
    private final TextTokenizer tokenizer;
    private final GenerationLimits limits;
    private final int defaultDraftLength;
    private final int maxDraftLength;

    public RequestValidator(TextTokenizer tokenizer, GenerationLimits limits, int defaultDraftLength, int maxDraftLength) {
        this.tokenizer = tokenizer;
        this.limits = limits;
        this.defaultDraftLength = defaultDraftLength;
        this.maxDraftLength = maxDraftLength;
    }

    public GenerationRequest validate(String prompt, RequestMode mode, int maxTokens, SamplingParams sampling,
                                      int draftLength, boolean ignoreEos) {
        if (prompt == null || prompt.isEmpty()) {
            throw new InvalidRequestException("prompt is empty");
        }
        if (mode == null) {
            throw new InvalidRequestException("unknown mode: use speculative, target-only or draft-only");
        }
        int k = draftLength == 0 ? defaultDraftLength : draftLength;
        if (k < 1 || k > maxDraftLength) {
            throw new InvalidRequestException("draft_length must be in 1.." + maxDraftLength + ", got " + draftLength);
        }
        int[] tokens = tokenizer.encode(prompt);
        limits.check(tokens, maxTokens);
        return new GenerationRequest(tokens, mode, maxTokens, sampling, k, ignoreEos);
    }
}
