package dev.specula.router.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.specula.router.plan.InvalidParameterException;
import dev.specula.runtime.model.ModelFolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders chat messages into a prompt with the served model's Jinja chat template, as Hugging Face's
 * {@code apply_chat_template} does: Jinjava with {@code trim_blocks} and {@code lstrip_blocks} (see
 * {@link #lstripBlocks}), the variables
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code pad_token},
 * {@code unk_token}, and the functions {@code raise_exception(message)} (→ 400) and {@code strftime_now(format)}.
 *
 * <p>Where the template comes from, first found wins: the configured override
 * ({@code specula.router.http.chat-template}, a file), the model's {@code chat_template.jinja}, the
 * {@code chat_template} string of its {@code tokenizer_config.json}, else Specula's default (a plain
 * {@code Role: content} transcript ending in {@code Assistant:}, see {@code default_chat_template.jinja}).
 *
 * <p>The rendered prompt is tokenised without special tokens, so a template that writes {@code bos_token} itself
 * yields exactly one BOS (vLLM does the same). Thread-safe.
 */
public final class ChatTemplate {
    static final String DEFAULT_RESOURCE = "default_chat_template.jinja";
    private static final long MAX_OUTPUT_CHARS = 8L << 20;

    private final Jinjava jinjava;
    private final String template;
    private final String source;
    private final Map<String, Object> specialTokens;

    private ChatTemplate(String template, String source, Map<String, Object> specialTokens) {
        this.template = lstripBlocks(template);
        this.source = source;
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
    }

    /**
     * Jinja's {@code lstrip_blocks}: spaces and tabs from the start of a line up to a block or comment tag are
     * removed ({@code {%+} opts out). Done here because Jinjava's option also strips whitespace before a tag in the
     * middle of a line, which Jinja (and so Hugging Face) keeps.
     */
    static String lstripBlocks(String template) {
        return LEADING_BLANKS_BEFORE_TAG.matcher(template).replaceAll("");
    }

    private static final java.util.regex.Pattern LEADING_BLANKS_BEFORE_TAG =
            java.util.regex.Pattern.compile("(?m)^[ \\t]+(?=\\{[%#](?!\\+))");

    /** The template of {@code folder} (see the class comment for the order), or {@code override} when not null. */
    public static ChatTemplate forModel(ModelFolder folder, Path override) {
        Map<String, Object> tokens = specialTokens(folder);
        try {
            if (override != null) {
                return new ChatTemplate(Files.readString(override, StandardCharsets.UTF_8), override.toString(), tokens);
            }
            var jinja = folder.optionalFile(ModelFolder.CHAT_TEMPLATE);
            if (jinja.isPresent()) {
                return new ChatTemplate(Files.readString(jinja.get(), StandardCharsets.UTF_8),
                        ModelFolder.CHAT_TEMPLATE, tokens);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chat template", e);
        }
        JsonNode config = tokenizerConfig(folder);
        JsonNode inline = config == null ? null : config.get("chat_template");
        if (inline != null && inline.isString()) {
            return new ChatTemplate(inline.stringValue(), ModelFolder.TOKENIZER_CONFIG, tokens);
        }
        return defaultTemplate(tokens);
    }

    /** Specula's default template (models without one). */
    public static ChatTemplate defaultTemplate(Map<String, Object> specialTokens) {
        try (InputStream in = ChatTemplate.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            return new ChatTemplate(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default", specialTokens);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A template given as text (tests, tools). */
    public static ChatTemplate of(String template, Map<String, Object> specialTokens) {
        return new ChatTemplate(template, "inline", specialTokens);
    }

    /** Where the template came from: {@code chat_template.jinja}, {@code tokenizer_config.json}, a path, default. */
    public String source() {
        return source;
    }

    /**
     * @param messages role/content maps (content is text)
     * @throws InvalidParameterException ({@code messages}) when the template refuses the conversation
     * @throws IllegalStateException when the template itself is broken
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new HashMap<>(specialTokens);
        bindings.put("messages", messages);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = jinjava.renderForResult(template, bindings);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
                continue;
            }
            String raised = raisedMessage(error.getException());
            if (raised == null && error.getMessage() != null && error.getMessage().contains(RAISED)) {
                raised = error.getMessage().substring(error.getMessage().indexOf(RAISED) + RAISED.length());
            }
            if (raised != null) {
                throw new InvalidParameterException("messages", "the chat template refused the messages: " + raised);
            }
            throw new IllegalStateException("chat template (" + source + ") failed: " + error.getMessage());
        }
        return result.getOutput();
    }

    private static final String RAISED = "chat template: ";

    private static String raisedMessage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RaisedException raised) {
                return raised.getMessage().substring(RAISED.length());
            }
        }
        return null;
    }

    /** {@code raise_exception(message)} in a template. */
    public static String raiseException(String message) {
        throw new RaisedException(RAISED + message);
    }

    /** {@code strftime_now(format)}: the local date/time, Python strftime directives %Y %m %d %H %M %S %B %b %A %a. */
    public static String strftimeNow(String format) {
        java.time.LocalDateTime now = java.time.LocalDateTime.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String pattern = switch (d) {
                case 'Y' -> "yyyy";
                case 'm' -> "MM";
                case 'd' -> "dd";
                case 'H' -> "HH";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'B' -> "MMMM";
                case 'b' -> "MMM";
                case 'A' -> "EEEE";
                case 'a' -> "EEE";
                default -> null;
            };
            if (pattern == null) {
                out.append('%').append(d);
            } else {
                out.append(java.time.format.DateTimeFormatter.ofPattern(pattern, java.util.Locale.ENGLISH).format(now));
            }
        }
        return out.toString();
    }

    private static JsonNode tokenizerConfig(ModelFolder folder) {
        var file = folder.optionalFile(ModelFolder.TOKENIZER_CONFIG);
        if (file.isEmpty()) {
            return null;
        }
        try {
            return JsonMapper.builder().build().readTree(Files.readString(file.get(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** bos/eos/pad/unk token texts of tokenizer_config.json (a string or an AddedToken object), "" when absent. */
    static Map<String, Object> specialTokens(ModelFolder folder) {
        JsonNode config = tokenizerConfig(folder);
        Map<String, Object> tokens = new HashMap<>();
        for (String name : new String[] {"bos_token", "eos_token", "pad_token", "unk_token"}) {
            JsonNode value = config == null ? null : config.get(name);
            String text = "";
            if (value != null && value.isString()) {
                text = value.stringValue();
            } else if (value != null && value.isObject() && value.path("content").isString()) {
                text = value.get("content").stringValue();
            }
            tokens.put(name, text);
        }
        return tokens;
    }

    /** {@code raise_exception} in a template: the conversation is not acceptable to this model. */
    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }
}
