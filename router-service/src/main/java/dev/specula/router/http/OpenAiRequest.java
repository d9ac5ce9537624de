package dev.specula.router.http;

import dev.specula.proto.v1.CascadeMetric;
import dev.specula.proto.v1.DraftLengthMode;
import dev.specula.proto.v1.DraftSourceKind;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.router.plan.GenerationInput;
import dev.specula.router.plan.PolicyPlanner;
import dev.specula.router.plan.RequestMode;
import dev.specula.router.plan.RequestValidator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The fields of one OpenAI request body, read with type checks that name the field ({@code param}). Unknown
 * fields are ignored (OpenAI SDK users send vLLM extras through {@code extra_body}). Range checks and defaults are
 * the {@link RequestValidator}'s, shared with the gRPC front door.
 *
 * <p>Supported: {@code model}, {@code prompt} (completions: a string, or token ids, or a one-element list of
 * either), {@code messages} (chat: text content only), {@code max_tokens}, {@code max_completion_tokens} (wins),
 * {@code temperature}, {@code top_p}, {@code top_k}, {@code seed}, {@code stop}, {@code stop_token_ids},
 * {@code include_stop_str_in_output}, {@code ignore_eos}, {@code stream}, {@code stream_options}
 * ({@code include_usage}, {@code continuous_usage_stats}), {@code echo} (completions), {@code n}/{@code best_of}
 * = 1, {@code add_generation_prompt} (chat), and the Specula extensions {@code mode}, {@code draft_length} and the
 * speculation-policy fields of the gRPC {@code SpeculationPolicy} ({@link #policy()}).
 * Refused with 400 unless neutral: {@code min_p}, {@code repetition_penalty}, {@code presence_penalty},
 * {@code frequency_penalty}, {@code min_tokens}, {@code logprobs}/{@code top_logprobs}, {@code logit_bias},
 * {@code suffix}, {@code tools}, non-text {@code response_format}.
 */
final class OpenAiRequest {
    private static final Set<String> TEXT_PART_TYPES = Set.of("text", "input_text");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    final boolean chat;
    final String model;
    final boolean stream;
    final boolean includeUsage;
    final boolean continuousUsage;
    final boolean echo;
    final boolean addGenerationPrompt;
    /** Chat only: role/content maps for the template. */
    final List<Map<String, Object>> messages;
    /** Completions only: the prompt as sent (text, or token ids). */
    final String promptText;
    final int[] promptTokenIds;
    private final JsonNode body;

    private OpenAiRequest(JsonNode body, boolean chat) {
        this.body = body;
        this.chat = chat;
        model = string("model");
        Boolean streamValue = bool("stream");
        stream = streamValue != null && streamValue;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!stream) {
                throw ApiException.badRequest("stream_options", "stream_options is only allowed when stream is true");
            }
            if (!options.isObject()) {
                throw ApiException.badRequest("stream_options", "stream_options must be an object");
            }
            Boolean include = bool(options, "include_usage", "stream_options.include_usage");
            Boolean continuous = bool(options, "continuous_usage_stats", "stream_options.continuous_usage_stats");
            // vLLM reads an empty stream_options object as include_usage=true.
            includeUsage = include == null || include;
            continuousUsage = continuous != null && continuous;
        } else {
            includeUsage = false;
            continuousUsage = false;
        }
        Integer n = integer("n");
        if (n != null && n != 1) {
            throw ApiException.badRequest("n", "only n = 1 is supported, got " + n);
        }
        Integer bestOf = integer("best_of");
        if (bestOf != null && bestOf != 1) {
            throw ApiException.badRequest("best_of", "only best_of = 1 is supported, got " + bestOf);
        }
        JsonNode logitBias = body.get("logit_bias");
        if (logitBias != null && !logitBias.isNull() && !(logitBias.isObject() && logitBias.isEmpty())) {
            throw ApiException.badRequest("logit_bias", "logit_bias is not supported");
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull()) {
            JsonNode type = format.get("type");
            if (!format.isObject() || type == null || !type.isString() || !type.stringValue().equals("text")) {
                throw ApiException.badRequest("response_format", "only response_format {\"type\": \"text\"} is"
                        + " supported (no structured output yet)");
            }
        }
        if (chat) {
            checkChatLogprobs();
            JsonNode tools = body.get("tools");
            String toolChoice = body.path("tool_choice").isString() ? body.get("tool_choice").stringValue() : null;
            if (tools != null && tools.isArray() && !tools.isEmpty() && !"none".equals(toolChoice)) {
                throw ApiException.badRequest("tools", "tool calling is not supported (tool_choice \"none\" only)");
            }
            Boolean generationPrompt = bool("add_generation_prompt");
            addGenerationPrompt = generationPrompt == null || generationPrompt;
            messages = messages();
            promptText = null;
            promptTokenIds = null;
            echo = false;
        } else {
            if (body.get("logprobs") != null && !body.get("logprobs").isNull()) {
                integer("logprobs");
                throw ApiException.badRequest("logprobs", "logprobs are not supported");
            }
            String suffix = string("suffix");
            if (suffix != null && !suffix.isEmpty()) {
                throw ApiException.badRequest("suffix", "suffix is not supported");
            }
            Boolean echoValue = bool("echo");
            echo = echoValue != null && echoValue;
            addGenerationPrompt = false;
            messages = null;
            JsonNode prompt = body.get("prompt");
            if (prompt == null || prompt.isNull()) {
                throw ApiException.badRequest("prompt", "prompt is required");
            }
            if (prompt.isArray() && prompt.size() == 1 && (prompt.get(0).isString() || prompt.get(0).isArray())) {
                prompt = prompt.get(0);
            }
            if (prompt.isString()) {
                promptText = prompt.stringValue();
                promptTokenIds = null;
            } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isNumber()) {
                promptText = null;
                promptTokenIds = ints(prompt, "prompt");
            } else if (prompt.isArray() && prompt.size() > 1) {
                throw ApiException.badRequest("prompt", "batched prompts are not supported: send one prompt per request");
            } else {
                throw ApiException.badRequest("prompt", "prompt must be a string or a list of token ids");
            }
        }
    }

    static OpenAiRequest completion(JsonNode body) {
        return new OpenAiRequest(requireObject(body), false);
    }

    static OpenAiRequest chat(JsonNode body) {
        return new OpenAiRequest(requireObject(body), true);
    }

    private static JsonNode requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object");
        }
        return body;
    }

    /** The generation fields for the validator; the prompt is given by the caller (chat renders it first). */
    GenerationInput input(GenerationInput in) {
        Integer maxCompletion = integer("max_completion_tokens");
        if (maxCompletion != null) {
            in.maxTokens(maxCompletion, "max_completion_tokens");
        } else {
            in.maxTokens(integer("max_tokens"), "max_tokens");
        }
        // vLLM's completions API defaults max_tokens to 16; chat fills the rest of the context.
        in.defaultMaxTokens(chat ? null : 16);
        String modeName = string("mode");
        RequestMode mode = RequestValidator.parseMode(modeName);
        if (mode == null) {
            throw ApiException.badRequest("mode", "unknown mode \"" + modeName + "\"");
        }
        Boolean ignoreEos = bool("ignore_eos");
        Boolean includeStop = bool("include_stop_str_in_output");
        return in.mode(mode)
                .temperature(number("temperature"))
                .topP(number("top_p"))
                .topK(integer("top_k"))
                .minP(number("min_p"))
                .repetitionPenalty(number("repetition_penalty"))
                .presencePenalty(number("presence_penalty"))
                .frequencyPenalty(number("frequency_penalty"))
                .seed(longValue("seed"))
                .draftLength(integer("draft_length"))
                .ignoreEos(ignoreEos != null && ignoreEos)
                .minTokens(integer("min_tokens"))
                .stopTokenIds(body.get("stop_token_ids") == null || body.get("stop_token_ids").isNull() ? null
                        : ints(body.get("stop_token_ids"), "stop_token_ids"))
                .stop(stop())
                .includeStopString(includeStop != null && includeStop);
    }

    /**
     * The Specula policy extension fields, named and valued as the gRPC {@code SpeculationPolicy} message they are
     * read into ({@code draft_source}: model | ngram | hybrid; {@code draft_length_mode}: fixed | adaptive;
     * {@code cascade_metric}: mean_entropy | min_probability; numbers as there). Only types and names are checked
     * here; ranges are the {@link PolicyPlanner}'s, shared with the gRPC front door.
     */
    SpeculationPolicy policy() {
        SpeculationPolicy.Builder policy = SpeculationPolicy.newBuilder();
        String source = name("draft_source");
        if (source != null) {
            policy.setDraftSource(switch (source) {
                case "model" -> DraftSourceKind.DRAFT_SOURCE_KIND_MODEL;
                case "ngram" -> DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM;
                case "hybrid" -> DraftSourceKind.DRAFT_SOURCE_KIND_HYBRID;
                default -> throw ApiException.badRequest("draft_source", "draft_source must be one of model, ngram,"
                        + " hybrid; got \"" + source + "\"");
            });
        }
        String lengthMode = name("draft_length_mode");
        if (lengthMode != null) {
            policy.setDraftLengthMode(switch (lengthMode) {
                case "fixed" -> DraftLengthMode.DRAFT_LENGTH_MODE_FIXED;
                case "adaptive" -> DraftLengthMode.DRAFT_LENGTH_MODE_ADAPTIVE;
                default -> throw ApiException.badRequest("draft_length_mode", "draft_length_mode must be fixed or"
                        + " adaptive; got \"" + lengthMode + "\"");
            });
        }
        String metric = name("cascade_metric");
        if (metric != null) {
            policy.setCascadeMetric(switch (metric) {
                case "mean_entropy" -> CascadeMetric.CASCADE_METRIC_MEAN_ENTROPY;
                case "min_probability" -> CascadeMetric.CASCADE_METRIC_MIN_PROBABILITY;
                default -> throw ApiException.badRequest("cascade_metric", "cascade_metric must be mean_entropy or"
                        + " min_probability; got \"" + metric + "\"");
            });
        }
        Integer maxDraftLength = integer("max_draft_length");
        if (maxDraftLength != null) {
            if (maxDraftLength == 0) { // 0 means "unset" in the message: refuse it rather than ignore it
                throw ApiException.badRequest("max_draft_length", "max_draft_length must be >= 1, got 0");
            }
            policy.setMaxDraftLength(maxDraftLength);
        }
        Integer ngramMin = positive("ngram_min");
        if (ngramMin != null) {
            policy.setNgramMin(ngramMin);
        }
        Integer ngramMax = positive("ngram_max");
        if (ngramMax != null) {
            policy.setNgramMax(ngramMax);
        }
        Integer window = positive("entropy_window");
        if (window != null) {
            policy.setEntropyWindow(window);
        }
        Double stop = number("stop_threshold");
        if (stop != null) {
            policy.setStopThreshold(stop);
        }
        Double entropy = number("entropy_threshold");
        if (entropy != null) {
            policy.setEntropyThreshold(entropy);
        }
        Double cascade = number("cascade_threshold");
        if (cascade != null) {
            policy.setCascadeThreshold(cascade);
        }
        return policy.build();
    }

    /** An enum-like string field, case-insensitive, with '-' read as '_'. */
    private String name(String field) {
        String value = string(field);
        return value == null ? null : value.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** An integer field where 0 would read as "unset" in the policy message: anything below 1 is refused. */
    private Integer positive(String field) {
        Integer value = integer(field);
        if (value != null && value < 1) {
            throw ApiException.badRequest(field, field + " must be >= 1, got " + value);
        }
        return value;
    }

    private void checkChatLogprobs() {
        Boolean logprobs = bool("logprobs");
        Integer top = integer("top_logprobs");
        if (top != null) {
            if (top < -1 || top > 20) {
                throw ApiException.badRequest("top_logprobs", "top_logprobs must be in 0..20, got " + top);
            }
            if (logprobs == null || !logprobs) {
                throw ApiException.badRequest("top_logprobs", "top_logprobs requires logprobs: true");
            }
        }
        if (logprobs != null && logprobs) {
            throw ApiException.badRequest("logprobs", "logprobs are not supported");
        }
    }

    private List<Map<String, Object>> messages() {
        JsonNode list = body.get("messages");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiException.badRequest("messages", "messages must be a non-empty list");
        }
        List<Map<String, Object>> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode message = list.get(i);
            String where = "messages[" + i + "]";
            if (!message.isObject()) {
                throw ApiException.badRequest(where, "each message must be an object");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isString() || !ROLES.contains(role.stringValue())) {
                throw ApiException.badRequest(where + ".role", "role must be one of " + ROLES);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", role.stringValue());
            m.put("content", content(message.get("content"), where + ".content"));
            JsonNode name = message.get("name");
            if (name != null && name.isString()) {
                m.put("name", name.stringValue());
            }
            out.add(m);
        }
        return out;
    }

    /** Text content: a string, null, or a list of text parts (joined with newlines, as vLLM does). */
    private static String content(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.stringValue();
        }
        if (!content.isArray()) {
            throw ApiException.badRequest(where, "content must be a string or a list of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            JsonNode type = part.get("type");
            String typeName = type != null && type.isString() ? type.stringValue() : null;
            if (typeName == null || !TEXT_PART_TYPES.contains(typeName)) {
                throw ApiException.badRequest(where + "[" + i + "]", "only text content is supported, got a \""
                        + typeName + "\" part (no images, audio, files or URLs)");
            }
            JsonNode partText = part.get("text");
            if (partText == null || !partText.isString()) {
                throw ApiException.badRequest(where + "[" + i + "].text", "a text part needs a string text");
            }
            if (i > 0) {
                text.append('\n');
            }
            text.append(partText.stringValue());
        }
        return text.toString();
    }

    private List<String> stop() {
        JsonNode stop = body.get("stop");
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isString()) {
            return List.of(stop.stringValue());
        }
        if (!stop.isArray()) {
            throw ApiException.badRequest("stop", "stop must be a string or a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : stop) {
            if (!s.isString()) {
                throw ApiException.badRequest("stop", "stop must be a string or a list of strings");
            }
            out.add(s.stringValue());
        }
        return out;
    }

    private String string(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw ApiException.badRequest(field, field + " must be a string");
        }
        return node.stringValue();
    }

    private Boolean bool(String field) {
        return bool(body, field, field);
    }

    private static Boolean bool(JsonNode object, String field, String param) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest(param, param + " must be a boolean");
        }
        return node.booleanValue();
    }

    private Double number(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            throw ApiException.badRequest(field, field + " must be a number");
        }
        return node.doubleValue();
    }

    private Integer integer(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        return toInt(node, field);
    }

    private Long longValue(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || !node.canConvertToExactIntegral() || !node.canConvertToLong()) {
            throw ApiException.badRequest(field, field + " must be an integer");
        }
        return node.longValue();
    }

    private static int toInt(JsonNode node, String param) {
        if (!node.isNumber() || !node.canConvertToExactIntegral() || !node.canConvertToInt()) {
            throw ApiException.badRequest(param, param + " must be an integer");
        }
        return node.intValue();
    }

    private static int[] ints(JsonNode array, String param) {
        if (!array.isArray()) {
            throw ApiException.badRequest(param, param + " must be a list of integers");
        }
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toInt(array.get(i), param);
        }
        return out;
    }
}
