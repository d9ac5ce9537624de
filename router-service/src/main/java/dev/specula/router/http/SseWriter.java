package dev.specula.router.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events exactly as vLLM writes them: {@code data: <json>\n\n} per event, {@code data: [DONE]\n\n} at the
 * end of every stream (errors included), and {@code : <comment>\n\n} keep-alives. Each event is flushed at once. An
 * IOException means the client went away.
 */
final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    void data(byte[] json) throws IOException {
        out.write(DATA);
        out.write(json);
        out.write(END);
        out.flush();
    }

    void keepAlive() throws IOException {
        out.write(KEEP_ALIVE);
        out.flush();
    }

    void done() throws IOException {
        out.write(DONE);
        out.flush();
    }
}
