package dev.specula.service.validation;

import dev.specula.service.error.InvalidRequestException;

/**
 * The bounds every generation request is checked against before anything is allocated. One validator for every
 * entry point (router, drafter, verifier re-check as defence in depth), so the rules cannot drift apart.
 *
 * @param vocabSize       token ids must be in [0, vocabSize)
 * @param contextLength   prompt + new tokens must fit
 * @param maxNewTokensCap largest max_new_tokens accepted
 */
public record GenerationLimits(int vocabSize, int contextLength, int maxNewTokensCap) {

    /** @throws InvalidRequestException naming the offending field */
    public void check(int[] prompt, int maxNewTokens) {
        if (prompt.length == 0) {
            throw new InvalidRequestException("prompt is empty: at least one token is needed");
        }
        for (int token : prompt) {
            if (token < 0 || token >= vocabSize) {
                throw new InvalidRequestException("token id " + token + " outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        if (maxNewTokens <= 0 || maxNewTokens > maxNewTokensCap) {
            throw new InvalidRequestException("max_tokens must be in 1.." + maxNewTokensCap + ", got " + maxNewTokens);
        }
        if (prompt.length >= contextLength) {
            throw new InvalidRequestException("prompt (" + prompt.length + " tokens) reaches the model context of "
                    + contextLength + " tokens");
        }
        if (prompt.length + maxNewTokens > contextLength) {
            throw new InvalidRequestException("prompt (" + prompt.length + " tokens) + max_tokens (" + maxNewTokens
                    + ") exceeds the model context of " + contextLength + " tokens");
        }
    }
}
