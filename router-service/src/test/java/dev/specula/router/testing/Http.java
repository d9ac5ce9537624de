package dev.specula.router.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the OpenAI API tests (JDK HttpClient, HTTP/1.1). */
public final class Http {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client;
    private final String base;

    public Http(String base) {
        this(base, null);
    }

    public Http(String base, SSLContext ssl) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.client = builder.build();
        this.base = base;
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        boolean contentType = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            contentType |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (!contentType) {
            request.header("Content-Type", "application/json");
        }
        return send(request.build());
    }

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.GET().build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String body) {
        return JSON.readTree(body);
    }

    /**
     * The events of an SSE body, checking the framing on the way: every event is {@code data: <payload>} followed
     * by a blank line, or a {@code : comment}; the last event is {@code [DONE]} (returned without it).
     */
    public static Sse sse(String body) {
        List<JsonNode> events = new ArrayList<>();
        int comments = 0;
        String[] blocks = body.split("\n\n", -1);
        if (!blocks[blocks.length - 1].isEmpty()) {
            throw new AssertionError("stream does not end with a blank line: " + body);
        }
        boolean done = false;
        for (int i = 0; i < blocks.length - 1; i++) {
            String block = blocks[i];
            if (done) {
                throw new AssertionError("event after [DONE]: " + block);
            }
            if (block.startsWith(": ")) {
                comments++;
            } else if (block.equals("data: [DONE]")) {
                done = true;
            } else if (block.startsWith("data: ") && block.indexOf('\n') < 0) {
                events.add(json(block.substring("data: ".length())));
            } else {
                throw new AssertionError("not an SSE data event: " + block);
            }
        }
        if (!done) {
            throw new AssertionError("stream does not end with data: [DONE]: " + body);
        }
        return new Sse(events, comments);
    }

    public record Sse(List<JsonNode> events, int comments) {
    }
}
