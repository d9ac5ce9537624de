package dev.specula.kvstore.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, in a temporary directory, without persistence. Tests of the
 * Redis tier run against it, never against a mock. A machine without redis-server fails these tests (it does not
 * skip them): {@code .ci/run} installs Debian's package, and a developer installs it the same way.
 */
public final class RedisServer implements AutoCloseable {

    private static final String INSTALL_HINT = "redis-server is not installed; the Redis tier is tested against a "
            + "real server: run `apt-get update && apt-get install -y redis-server` (.ci/run does this in CI)";

    private final Path binary;
    private final Path directory;
    private final int port;
    private Process process;

    private RedisServer(Path binary, Path directory, int port) {
        this.binary = binary;
        this.directory = directory;
        this.port = port;
    }

    /** Starts a server on a free port; retries with another port if one was taken in between. */
    public static RedisServer start(Path directory) {
        Path binary = find();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            RedisServer server = new RedisServer(binary, directory, freePort());
            try {
                server.startProcess();
                return server;
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the server at once (SIGKILL), as a crash or a pulled cable would look to the client. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts it again on the same port, empty (no persistence). */
    public void restart() {
        kill();
        startProcess();
    }

    @Override
    public void close() {
        kill();
    }

    private void startProcess() {
        try {
            Files.createDirectories(directory);
            process = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", directory.toString(), "--daemonize", "no")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Process started = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) { // keeps draining, so the server never blocks on output
                    if (!ready.isDone()) {
                        output.append(line).append('\n');
                    }
                    if (line.contains("Ready to accept connections")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("redis-server exited:\n" + output));
        }, "redis-server-" + port);
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            kill();
            throw new IllegalStateException("redis-server did not start on port " + port + ": " + e.getMessage(), e);
        }
    }

    private static Path find() {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/sbin:/usr/local/bin";
        for (String entry : path.split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "redis-server"))) {
                return Path.of(entry, "redis-server");
            }
        }
        return fail(INSTALL_HINT);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
