package dev.specula.router.plan;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.validation.GenerationLimits;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;

/**
 * Turns a front door's raw fields into a {@link GenerationRequest}, or refuses it with a message naming the
 * field. Runs before anything is allocated on a backend. The one validator of the router: the HTTP API and the
 * gRPC front door both hand their raw fields to {@link #validate(GenerationInput)}, so the two cannot drift
 * (RELIABILITY.md #17, B5).
 *
 * <p>Parameters the mesh cannot honour losslessly yet are refused (400) unless they hold their neutral value,
 * rather than silently ignored: {@code min_p} (0), {@code repetition_penalty} (1), {@code presence_penalty} and
 * {@code frequency_penalty} (0), {@code min_tokens} (0). They need logit processing on both drafter and verifier.
 */
public final class RequestValidator {
    /** Upper bounds on list-valued fields, so a request cannot make the router do unbounded work. */
    public static final int MAX_STOP_STRINGS = 16;
    public static final int MAX_STOP_STRING_CHARS = 256;
    public static final int MAX_STOP_TOKEN_IDS = 64;
    private static final SecureRandom SEEDS = new SecureRandom();

    private final TextTokenizer tokenizer;
    private final GenerationLimits limits;
    private final int defaultDraftLength;
    private final int maxDraftLength;
    private final int maxPromptTokens;

    public RequestValidator(TextTokenizer tokenizer, GenerationLimits limits, int defaultDraftLength, int maxDraftLength) {
        this(tokenizer, limits, defaultDraftLength, maxDraftLength, limits.contextLength());
    }

    /** @param maxPromptTokens longest prompt accepted (at most the model context) */
    public RequestValidator(TextTokenizer tokenizer, GenerationLimits limits, int defaultDraftLength, int maxDraftLength,
                            int maxPromptTokens) {
        this.tokenizer = tokenizer;
        this.limits = limits;
        this.defaultDraftLength = defaultDraftLength;
        this.maxDraftLength = maxDraftLength;
        this.maxPromptTokens = Math.min(maxPromptTokens, limits.contextLength());
    }

    /**
     * A front door's fields (OpenAI names in the messages), defaults applied as vLLM applies them. Both doors call
     * this: the HTTP API with the JSON body's fields, the gRPC door with the proto's (RouterGrpcService#input).
     */
    public GenerationRequest validate(GenerationInput in) {
        if (in.mode == null) {
            throw new InvalidParameterException("mode", "unknown mode: use " + modeNames());
        }
        int[] tokens;
        if (in.promptTokenIds != null) {
            if (in.promptTokenIds.length == 0) {
                throw new InvalidParameterException("prompt", "prompt is empty");
            }
            for (int t : in.promptTokenIds) {
                if (t < 0 || t >= limits.vocabSize()) {
                    throw new InvalidParameterException("prompt", "token id " + t + " outside the vocabulary [0, "
                            + limits.vocabSize() + ")");
                }
            }
            tokens = in.promptTokenIds.clone();
        } else {
            if (in.promptText == null || in.promptText.isEmpty()) {
                throw new InvalidParameterException("prompt", "prompt is empty");
            }
            tokens = tokenizer.encode(in.promptText);
        }
        checkPrompt(tokens);
        int maxTokens;
        if (in.maxTokens != null) {
            maxTokens = in.maxTokens;
            checkMaxTokens(tokens, maxTokens, in.maxTokensParam);
        } else {
            int room = Math.min(limits.contextLength() - tokens.length, limits.maxNewTokensCap());
            maxTokens = in.defaultMaxTokens == null ? room : Math.min(in.defaultMaxTokens, room);
        }
        SamplingParams sampling = sampling(in);
        neutralOnly("min_p", in.minP, 0.0, 0.0, 1.0);
        neutralOnly("repetition_penalty", in.repetitionPenalty, 1.0, Double.MIN_VALUE, Double.MAX_VALUE);
        neutralOnly("presence_penalty", in.presencePenalty, 0.0, -2.0, 2.0);
        neutralOnly("frequency_penalty", in.frequencyPenalty, 0.0, -2.0, 2.0);
        if (in.minTokens != null) {
            if (in.minTokens < 0 || in.minTokens > maxTokens) {
                throw new InvalidParameterException("min_tokens", "min_tokens must be in 0..max_tokens (" + maxTokens
                        + "), got " + in.minTokens);
            }
            if (in.minTokens > 0) {
                throw new InvalidParameterException("min_tokens", "min_tokens > 0 is not supported: it needs stop-token"
                        + " masking on both drafter and verifier, which the mesh does not do yet");
            }
        }
        int k = draftLength(in.draftLength == null ? 0 : in.draftLength);
        OutputOptions output = new OutputOptions(stopTokenIds(in.stopTokenIds), stopStrings(in.stop),
                in.includeStopString, in.tokenChunks);
        limits.check(tokens, maxTokens);
        return new GenerationRequest(tokens, in.mode, maxTokens, sampling, k, in.ignoreEos, in.tenant, in.arrivalNanos,
                output);
    }

    /** {@code speculative}, {@code target-only}, ... (case and {@code -}/{@code _} insensitive); null when unknown. */
    public static RequestMode parseMode(String name) {
        if (name == null || name.isBlank()) {
            return RequestMode.SPECULATIVE;
        }
        String normalized = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (RequestMode mode : RequestMode.values()) {
            if (mode.name().equals(normalized)) {
                return mode;
            }
        }
        return null;
    }

    private static String modeNames() {
        StringBuilder names = new StringBuilder();
        for (RequestMode mode : RequestMode.values()) {
            names.append(names.length() == 0 ? "" : ", ").append(mode.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return names.toString();
    }

    private int draftLength(int draftLength) {
        int k = draftLength == 0 ? defaultDraftLength : draftLength;
        if (k < 1 || k > maxDraftLength) {
            throw new InvalidParameterException("draft_length", "draft_length must be in 1.." + maxDraftLength
                    + ", got " + draftLength);
        }
        return k;
    }

    private void checkPrompt(int[] tokens) {
        if (tokens.length == 0) {
            throw new InvalidParameterException("prompt", "prompt is empty: at least one token is needed");
        }
        if (tokens.length >= limits.contextLength()) {
            throw new InvalidParameterException("input_tokens", "prompt (" + tokens.length
                    + " tokens) reaches the model context of " + limits.contextLength() + " tokens");
        }
        if (tokens.length > maxPromptTokens) {
            throw new InvalidParameterException("input_tokens", "prompt (" + tokens.length
                    + " tokens) exceeds the limit of " + maxPromptTokens + " prompt tokens");
        }
    }

    private void checkMaxTokens(int[] tokens, int maxTokens, String param) {
        if (maxTokens <= 0 || maxTokens > limits.maxNewTokensCap()) {
            throw new InvalidParameterException(param, param + " must be in 1.." + limits.maxNewTokensCap()
                    + ", got " + maxTokens);
        }
        if ((long) tokens.length + maxTokens > limits.contextLength()) {
            throw new InvalidParameterException(param, "prompt (" + tokens.length + " tokens) + " + param + " ("
                    + maxTokens + ") exceeds the model context of " + limits.contextLength() + " tokens");
        }
    }

    private static SamplingParams sampling(GenerationInput in) {
        double temperature = in.temperature == null ? 1.0 : in.temperature;
        if (!(temperature >= 0.0) || Double.isInfinite(temperature)) {
            throw new InvalidParameterException("temperature", "temperature must be a finite number >= 0, got "
                    + in.temperature);
        }
        double topP = in.topP == null ? 1.0 : in.topP;
        if (!(topP > 0.0 && topP <= 1.0)) {
            throw new InvalidParameterException("top_p", "top_p must be in (0, 1], got " + in.topP);
        }
        int topK = in.topK == null || in.topK == -1 ? 0 : in.topK;
        if (topK < 0) {
            throw new InvalidParameterException("top_k", "top_k must be -1 or 0 (disabled) or >= 1, got " + in.topK);
        }
        long seed = in.seed != null ? in.seed : temperature == 0.0 ? 0L : SEEDS.nextLong();
        return new SamplingParams(temperature, topK, topP, seed);
    }

    private static void neutralOnly(String param, Double value, double neutral, double min, double max) {
        if (value == null || value == neutral) {
            return;
        }
        if (!(value >= min && value <= max)) {
            throw new InvalidParameterException(param, param + " is out of range: " + value);
        }
        throw new InvalidParameterException(param, param + " other than " + neutral + " is not supported: the mesh"
                + " cannot apply it on drafter and verifier alike yet, and speculation must stay lossless");
    }

    private int[] stopTokenIds(int[] ids) {
        if (ids == null) {
            return new int[0];
        }
        if (ids.length > MAX_STOP_TOKEN_IDS) {
            throw new InvalidParameterException("stop_token_ids", "at most " + MAX_STOP_TOKEN_IDS
                    + " stop_token_ids, got " + ids.length);
        }
        for (int id : ids) {
            if (id < 0 || id >= limits.vocabSize()) {
                throw new InvalidParameterException("stop_token_ids", "token id " + id + " outside the vocabulary [0, "
                        + limits.vocabSize() + ")");
            }
        }
        return ids;
    }

    private static List<String> stopStrings(List<String> stop) {
        if (stop.size() > MAX_STOP_STRINGS) {
            throw new InvalidParameterException("stop", "at most " + MAX_STOP_STRINGS + " stop strings, got "
                    + stop.size());
        }
        for (String s : stop) {
            if (s == null || s.isEmpty() || s.length() > MAX_STOP_STRING_CHARS) {
                throw new InvalidParameterException("stop", "stop strings must have 1.." + MAX_STOP_STRING_CHARS
                        + " characters");
            }
        }
        return stop;
    }
}
