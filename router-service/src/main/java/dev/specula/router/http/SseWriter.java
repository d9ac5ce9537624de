package dev.specula.router.http;

import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events exactly as vLLM writes them: {@code data: <json>\n\n} per event, {@code data: [DONE]\n\n} at the
 * end of every stream (errors included), and {@code : <comment>\n\n} keep-alives. Each event is flushed at once. An
 * IOException means the client went away.
 *
 * <p>The flush is the servlet response's, not {@code out.flush()}: Spring MVC hands a StreamingResponseBody a stream
 * whose flush does nothing (unless the {@code spring.http.response.flush.enabled} flag is set), so events would sit
 * in the container's 8 KB buffer until it filled or the response ended, the first token included.
 */
final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final Flushable flush;

    /** @param flush pushes what was written to the client (the servlet response's {@code flushBuffer}) */
    SseWriter(OutputStream out, Flushable flush) {
        this.out = out;
        this.flush = flush;
    }

    void data(byte[] json) throws IOException {
        out.write(DATA);
        out.write(json);
        out.write(END);
        flush.flush();
    }

    void keepAlive() throws IOException {
        out.write(KEEP_ALIVE);
        flush.flush();
    }

    void done() throws IOException {
        out.write(DONE);
        flush.flush();
    }
}
