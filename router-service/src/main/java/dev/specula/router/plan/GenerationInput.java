package dev.specula.router.plan;

import java.util.List;

/**
 * A front door's raw request fields, before validation: nulls mean "not sent". The HTTP API fills it from the
 * JSON body; {@link RequestValidator#validate(GenerationInput)} turns it into a {@link GenerationRequest} or an
 * {@link InvalidParameterException} naming the field, with the same rules for every front door.
 */
public final class GenerationInput {
    String promptText;
    int[] promptTokenIds;
    RequestMode mode = RequestMode.SPECULATIVE;
    Integer maxTokens;
    String maxTokensParam = "max_tokens";
    Integer defaultMaxTokens;
    Double temperature;
    Double topP;
    Integer topK;
    Double minP;
    Double repetitionPenalty;
    Double presencePenalty;
    Double frequencyPenalty;
    Long seed;
    Integer draftLength;
    boolean ignoreEos;
    Integer minTokens;
    int[] stopTokenIds;
    List<String> stop = List.of();
    boolean includeStopString;
    boolean tokenChunks;
    String tenant;
    long arrivalNanos;

    private GenerationInput() {
    }

    public static GenerationInput text(String prompt) {
        GenerationInput input = new GenerationInput();
        input.promptText = prompt;
        return input;
    }

    public static GenerationInput tokens(int[] promptTokenIds) {
        GenerationInput input = new GenerationInput();
        input.promptTokenIds = promptTokenIds.clone();
        return input;
    }

    public GenerationInput mode(RequestMode value) {
        mode = value;
        return this;
    }

    /**
     * The requested number of new tokens, or null for the default; {@code param} is the field that carried it
     * ({@code max_tokens} or {@code max_completion_tokens}).
     */
    public GenerationInput maxTokens(Integer value, String param) {
        maxTokens = value;
        maxTokensParam = param;
        return this;
    }

    /** Default when max_tokens is not sent: null = the rest of the context (up to the cap), as vLLM's chat API. */
    public GenerationInput defaultMaxTokens(Integer value) {
        defaultMaxTokens = value;
        return this;
    }

    public GenerationInput temperature(Double value) {
        temperature = value;
        return this;
    }

    public GenerationInput topP(Double value) {
        topP = value;
        return this;
    }

    public GenerationInput topK(Integer value) {
        topK = value;
        return this;
    }

    public GenerationInput minP(Double value) {
        minP = value;
        return this;
    }

    public GenerationInput repetitionPenalty(Double value) {
        repetitionPenalty = value;
        return this;
    }

    public GenerationInput presencePenalty(Double value) {
        presencePenalty = value;
        return this;
    }

    public GenerationInput frequencyPenalty(Double value) {
        frequencyPenalty = value;
        return this;
    }

    public GenerationInput seed(Long value) {
        seed = value;
        return this;
    }

    public GenerationInput draftLength(Integer value) {
        draftLength = value;
        return this;
    }

    public GenerationInput ignoreEos(boolean value) {
        ignoreEos = value;
        return this;
    }

    public GenerationInput minTokens(Integer value) {
        minTokens = value;
        return this;
    }

    public GenerationInput stopTokenIds(int[] value) {
        stopTokenIds = value == null ? null : value.clone();
        return this;
    }

    public GenerationInput stop(List<String> value) {
        stop = value == null ? List.of() : List.copyOf(value);
        return this;
    }

    public GenerationInput includeStopString(boolean value) {
        includeStopString = value;
        return this;
    }

    public GenerationInput tokenChunks(boolean value) {
        tokenChunks = value;
        return this;
    }

    public GenerationInput tenant(String value) {
        tenant = value;
        return this;
    }

    public GenerationInput arrivalNanos(long value) {
        arrivalNanos = value;
        return this;
    }
}
