package dev.specula.router.http;

import dev.specula.core.loop.FinishReason;
import dev.specula.router.admission.Admission;
import dev.specula.router.auth.ApiKeys;
import dev.specula.router.auth.Caller;
import dev.specula.router.chat.ChatTemplate;
import dev.specula.router.config.RouterProperties;
import dev.specula.router.metrics.VllmMetrics;
import dev.specula.router.plan.Chunk;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationInput;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.GenerationStats;
import dev.specula.router.plan.PolicyPlanner;
import dev.specula.router.plan.RequestValidator;
import dev.specula.router.plan.SideChannelGuard;
import dev.specula.runtime.tokenizer.TextTokenizer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible API (CONVENTIONS.md 1.6): {@code POST /v1/completions}, {@code POST /v1/chat/completions},
 * {@code GET /v1/models}. Every generation goes through the same {@link RequestValidator}, {@link PolicyPlanner}
 * and {@link GenerationService} as the gRPC {@code Router}.
 *
 * <p>Order of checks: API key (401), the key's rate and concurrency limits (429 + Retry-After), Content-Type (415),
 * body size (413), JSON and fields (400, {@code param} names the field), model (404), the tenant's admission quota
 * (429 + Retry-After), router-wide admission and pool capacity (503 + Retry-After). A streamed response holds its
 * status until the first token (or {@code keep-alive-interval}), so a mesh that fails fast still gets a real status;
 * after that, failures arrive as a {@code data: {"error":...}} event followed by {@code data: [DONE]}. A non-streamed response that fails after tokens were generated carries
 * {@code x-should-retry: false}.
 */
@RestController
public class OpenAiController {
    private static final Logger log = LoggerFactory.getLogger(OpenAiController.class);
    private static final Duration MAX_STALL = Duration.ofSeconds(30);
    private static final String JSON_UTF8 = "application/json";

    private final RequestValidator validator;
    private final PolicyPlanner planner;
    private final GenerationService generations;
    private final ApiKeys keys;
    private final ChatTemplate chatTemplate;
    private final TextTokenizer tokenizer;
    private final JsonMapper json;
    private final ExecutorService pool;
    private final Admission admission;
    private final VllmMetrics metrics;
    private final RouterProperties router;
    private final HttpProperties http;
    /** The {@code specula} object with acceptance figures (off when tenants share the router). */
    private final boolean exposeStats;
    private final int contextLength;
    private final long startedAt = Instant.now().getEpochSecond();

    public OpenAiController(RequestValidator validator, PolicyPlanner planner, GenerationService generations,
                            ApiKeys keys, ChatTemplate chatTemplate, TextTokenizer tokenizer, JsonMapper json,
                            HttpFrontDoor frontDoor, RouterProperties router, HttpProperties http,
                            SideChannelGuard sideChannel) {
        this.exposeStats = http.speculationStats() && sideChannel.exposeStats();
        this.validator = validator;
        this.planner = planner;
        this.generations = generations;
        this.keys = keys;
        this.chatTemplate = chatTemplate;
        this.tokenizer = tokenizer;
        this.json = json;
        this.pool = frontDoor.pool();
        this.admission = frontDoor.admission();
        this.metrics = frontDoor.metrics();
        this.contextLength = frontDoor.contextLength();
        this.router = router;
        this.http = http;
    }

    @GetMapping("/v1/models")
    public void models(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Ids ids = ids(request);
        try {
            keys.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
        } catch (RuntimeException e) {
            writeError(response, ids, ApiErrors.of(e));
            return;
        }
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ObjectNode model = root.putArray("data").addObject();
        model.put("id", router.servedModelName());
        model.put("object", "model");
        model.put("created", startedAt);
        model.put("owned_by", "specula");
        model.put("root", router.servedModelName());
        model.putNull("parent");
        model.put("max_model_len", contextLength);
        writeJson(response, ids, 200, root);
    }

    @PostMapping("/v1/completions")
    public ResponseEntity<StreamingResponseBody> completions(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        return generate(request, response, false);
    }

    @PostMapping("/v1/chat/completions")
    public ResponseEntity<StreamingResponseBody> chatCompletions(HttpServletRequest request,
                                                                 HttpServletResponse response) throws IOException {
        return generate(request, response, true);
    }

    /** Request ids: the internal one (always server-generated) and the one echoed in X-Request-Id. */
    private record Ids(String internal, String echoed) {
    }

    private static Ids ids(HttpServletRequest request) {
        String internal = RequestIds.uuidV7().toString();
        String client = RequestIds.echoable(request.getHeader("X-Request-Id"));
        return new Ids(internal, client == null ? internal : client);
    }

    private ResponseEntity<StreamingResponseBody> generate(HttpServletRequest request, HttpServletResponse response,
                                                           boolean chat) throws IOException {
        long arrival = System.nanoTime();
        Ids ids = ids(request);
        ApiKeys.Permit permit = null;
        try {
            Caller caller = keys.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
            permit = keys.admit(caller);
            checkContentType(request.getContentType());
            JsonNode body = readBody(request);
            OpenAiRequest parsed = chat ? OpenAiRequest.chat(body) : OpenAiRequest.completion(body);
            if (parsed.model != null && !parsed.model.equals(router.servedModelName())) {
                throw new ApiException(404, "invalid_request_error", "The model `" + parsed.model
                        + "` does not exist.", "model", "model_not_found", 0, false);
            }
            GenerationInput input;
            String echo = "";
            if (chat) {
                input = GenerationInput.text(chatTemplate.render(parsed.messages, parsed.addGenerationPrompt));
            } else if (parsed.promptTokenIds != null) {
                input = GenerationInput.tokens(parsed.promptTokenIds);
            } else {
                input = GenerationInput.text(parsed.promptText);
            }
            parsed.input(input).tenant(caller.tenant()).arrivalNanos(arrival)
                    .tokenChunks(parsed.stream && http.streamGranularity() == HttpProperties.Granularity.TOKEN);
            GenerationRequest validated = validator.validate(input);
            GenerationRequest planned = validated.withPlan(planner.plan(parsed.policy(), validated.draftLength()));
            if (parsed.echo) {
                echo = parsed.promptText != null ? parsed.promptText : tokenizer.decode(parsed.promptTokenIds);
            }
            Response shape = new Response(chat, (chat ? "chatcmpl-" : "cmpl-") + ids.internal().replace("-", ""),
                    Instant.now().getEpochSecond(), router.servedModelName(), parsed.includeUsage,
                    parsed.continuousUsage);
            GenerationRun run = new GenerationRun(MAX_STALL);
            Admission.Permit slot = admission.admit(Admission.Door.HTTP, caller.tenant(),
                    Admission.promptBytes(planned));
            ApiKeys.Permit owned = permit;
            permit = null;
            run.start(pool, generations, planned, () -> {
                owned.close();
                slot.close();
            }, metrics);
            log.debug("request {} (client id {}) tenant {}: {} prompt tokens, max_tokens {}, mode {}", ids.internal(),
                    ids.echoed(), caller.tenant(), planned.promptTokens().length, planned.maxTokens(), planned.mode());
            if (parsed.stream) {
                return stream(response, ids, run, shape, echo);
            }
            collect(response, ids, run, shape, echo);
            return null;
        } catch (Throwable e) {
            if (permit != null) {
                permit.close();
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            writeError(response, ids, ApiErrors.of(e));
            return null;
        }
    }

    private static void checkContentType(String contentType) {
        if (contentType == null) {
            return;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
                .toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            throw new ApiException(415, "invalid_request_error", "Content-Type must be application/json, got "
                    + contentType, null, "unsupported_media_type", 0, false);
        }
    }

    private JsonNode readBody(HttpServletRequest request) throws IOException {
        long limit = http.maxBodySize().toBytes();
        if (request.getContentLengthLong() > limit) {
            throw tooLarge(limit);
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        }
        if (body.length > limit) {
            throw tooLarge(limit);
        }
        if (body.length == 0) {
            throw ApiException.badRequest(null, "the request body is empty: send a JSON object");
        }
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "the request body exceeds " + limit + " bytes", null,
                "request_too_large", 0, false);
    }

    /** Non-streaming: wait for the whole generation, answer once. */
    private void collect(HttpServletResponse response, Ids ids, GenerationRun run, Response shape, String echo)
            throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder(echo);
        int tokens = 0;
        long deadline = System.nanoTime() + router.requestTimeout().plusSeconds(30).toNanos();
        while (true) {
            Object event = run.poll(http.keepAliveInterval());
            if (event == null) {
                if (System.nanoTime() - deadline > 0) {
                    run.cancel();
                    ApiException timeout = new ApiException(504, "server_error", "generation timed out", null,
                            "timeout", 0, false);
                    throw tokens > 0 ? timeout.withNoRetry() : timeout;
                }
            } else if (event instanceof Chunk chunk) {
                text.append(chunk.text());
                tokens += chunk.tokenIds().length;
            } else if (event instanceof GenerationRun.Done done) {
                writeJson(response, ids, 200, shape.full(text.toString(), done.completion()));
                return;
            } else if (event instanceof GenerationRun.Failed failed) {
                ApiException error = ApiErrors.of(failed.error());
                throw tokens > 0 && error.status() >= 500 ? error.withNoRetry() : error;
            }
        }
    }

    /** Streaming: hold the status until the first event (or the keep-alive interval), then stream SSE. */
    private ResponseEntity<StreamingResponseBody> stream(HttpServletResponse response, Ids ids, GenerationRun run,
                                                         Response shape, String echo)
            throws IOException, InterruptedException {
        Object first;
        try {
            first = run.poll(http.keepAliveInterval());
        } catch (InterruptedException e) {
            run.cancel();
            throw e;
        }
        if (first instanceof GenerationRun.Failed failed) {
            writeError(response, ids, ApiErrors.of(failed.error()));
            return null;
        }
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        headers.set(HttpHeaders.CACHE_CONTROL, "no-cache");
        headers.set("X-Accel-Buffering", "no");
        headers.set("X-Request-Id", ids.echoed());
        // Flushed through the servlet response: the stream Spring hands the body does not flush (see SseWriter).
        StreamingResponseBody body = out -> events(new SseWriter(out, response::flushBuffer), run, first, shape,
                echo);
        return new ResponseEntity<>(body, headers, HttpStatus.OK);
    }

    private void events(SseWriter sse, GenerationRun run, Object first, Response shape, String echo) {
        int tokens = 0;
        try {
            if (shape.chat) {
                sse.data(bytes(shape.roleChunk()));
            }
            if (!echo.isEmpty()) {
                sse.data(bytes(shape.textChunk(echo, null, 0)));
            }
            Object event = first;
            while (true) {
                if (event == null) {
                    sse.keepAlive();
                } else if (event instanceof Chunk chunk) {
                    tokens += chunk.tokenIds().length;
                    if (!chunk.text().isEmpty()) {
                        sse.data(bytes(shape.textChunk(chunk.text(), null, tokens)));
                    }
                } else if (event instanceof GenerationRun.Done done) {
                    sse.data(bytes(shape.finishChunk(done.completion())));
                    if (shape.includeUsage) {
                        sse.data(bytes(shape.usageChunk(done.completion())));
                    }
                    break;
                } else if (event instanceof GenerationRun.Failed failed) {
                    sse.data(bytes(ApiErrors.body(json, ApiErrors.of(failed.error()))));
                    break;
                }
                event = run.poll(http.keepAliveInterval());
            }
            sse.done();
        } catch (InterruptedException e) {
            run.cancel();
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException clientGone) {
            log.debug("stream ended early, cancelling the generation: {}", clientGone.toString());
            run.cancel();
        }
    }

    private byte[] bytes(ObjectNode node) {
        return json.writeValueAsBytes(node);
    }

    private void writeJson(HttpServletResponse response, Ids ids, int status, ObjectNode body) throws IOException {
        byte[] bytes = bytes(body);
        response.setStatus(status);
        response.setContentType(JSON_UTF8);
        response.setHeader("X-Request-Id", ids.echoed());
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
        response.flushBuffer();
    }

    private void writeError(HttpServletResponse response, Ids ids, ApiException error) throws IOException {
        if (error.status() >= 500) {
            log.warn("request {} failed with {}: {}", ids.internal(), error.status(), error.getMessage());
        }
        if (error.retryAfterSeconds() > 0) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(error.retryAfterSeconds()));
        }
        if (error.noRetry()) {
            response.setHeader("x-should-retry", "false");
        }
        if (error.status() == 401) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        writeJson(response, ids, error.status(), ApiErrors.body(json, error));
    }

    /** The JSON of one response: id and created are fixed for all its chunks. */
    private final class Response {
        final boolean chat;
        final String id;
        final long created;
        final String model;
        final boolean includeUsage;
        final boolean continuousUsage;
        private int promptTokens = -1;

        Response(boolean chat, String id, long created, String model, boolean includeUsage, boolean continuousUsage) {
            this.chat = chat;
            this.id = id;
            this.created = created;
            this.model = model;
            this.includeUsage = includeUsage;
            this.continuousUsage = continuousUsage;
        }

        private ObjectNode head(boolean chunk) {
            ObjectNode root = json.createObjectNode();
            root.put("id", id);
            root.put("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
            root.put("created", created);
            root.put("model", model);
            return root;
        }

        ObjectNode full(String text, Completion completion) {
            ObjectNode root = head(false);
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            if (chat) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", text);
            } else {
                choice.put("text", text);
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(completion.finishReason()));
            usage(root.putObject("usage"), completion);
            speculation(root, completion);
            return root;
        }

        ObjectNode roleChunk() {
            ObjectNode root = head(true);
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            delta.put("role", "assistant");
            delta.put("content", "");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            return root;
        }

        ObjectNode textChunk(String text, String finishReason, int tokensSoFar) {
            ObjectNode root = head(true);
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            if (chat) {
                ObjectNode delta = choice.putObject("delta");
                if (text != null) {
                    delta.put("content", text);
                }
            } else {
                choice.put("text", text == null ? "" : text);
            }
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            if (continuousUsage && promptTokens >= 0) {
                usage(root.putObject("usage"), promptTokens, tokensSoFar);
            }
            return root;
        }

        ObjectNode finishChunk(Completion completion) {
            promptTokens = completion.promptTokens();
            ObjectNode root = textChunk(chat ? null : "", finishReason(completion.finishReason()),
                    completion.completionTokens());
            if (continuousUsage) {
                usage(root.putObject("usage"), completion);
            }
            speculation(root, completion);
            return root;
        }

        ObjectNode usageChunk(Completion completion) {
            ObjectNode root = head(true);
            root.putArray("choices");
            usage(root.putObject("usage"), completion);
            return root;
        }

        /** Final usage: with {@code prompt_tokens_details.cached_tokens}, the prompt tokens a KV cache supplied. */
        private void usage(ObjectNode usage, Completion completion) {
            usage(usage, completion.promptTokens(), completion.completionTokens());
            usage.putObject("prompt_tokens_details").put("cached_tokens", completion.cachedTokens());
        }

        private void usage(ObjectNode usage, int prompt, int completionTokens) {
            usage.put("prompt_tokens", prompt);
            usage.put("completion_tokens", completionTokens);
            usage.put("total_tokens", prompt + completionTokens);
        }

        private void speculation(ObjectNode root, Completion completion) {
            if (!exposeStats) {
                return;
            }
            ObjectNode s = root.putObject("specula");
            s.put("mode", completion.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            GenerationStats stats = completion.stats();
            if (stats != null && stats.draftTokens() > 0) {
                s.put("acceptance_rate", stats.acceptanceRate());
                s.put("mean_accepted_length", stats.meanAcceptanceLength());
                s.put("drafts", stats.drafts());
                s.put("draft_tokens", stats.draftTokens());
                s.put("accepted_tokens", stats.acceptedTokens());
            } else {
                s.putNull("acceptance_rate");
                s.putNull("mean_accepted_length");
            }
            if (stats != null) {
                policies(s, stats);
            }
            if (completion.fallbackReason() == null || completion.fallbackReason().isEmpty()) {
                s.putNull("fallback_reason");
            } else {
                s.put("fallback_reason", completion.fallbackReason());
            }
        }
    }

    /** What the speculation policies decided, when the backend reported it. */
    private static void policies(ObjectNode s, GenerationStats stats) {
        if (!stats.draftSource().isEmpty()) {
            s.put("draft_source", stats.draftSource());
        }
        if (!stats.lengthMode().isEmpty()) {
            s.put("draft_length_mode", stats.lengthMode());
        }
        s.put("mean_draft_length", stats.meanDraftLength());
        s.put("large_model_token_fraction", stats.largeModelTokenFraction());
        s.put("unverified_tokens", stats.unverifiedTokens());
        s.put("model_switches", stats.modelSwitches());
        s.put("escalations", stats.escalations());
        s.put("ngram_drafts", stats.ngramDrafts());
    }

    /** stop | length; a client-side cancel reads as stop (never an "error" in a 200 body). */
    static String finishReason(FinishReason reason) {
        return reason == FinishReason.LENGTH ? "length" : "stop";
    }
}
