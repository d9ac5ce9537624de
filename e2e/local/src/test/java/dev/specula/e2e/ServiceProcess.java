package dev.specula.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service running as its own JVM from its executable jar, as a container would run it: configuration on
 * the command line, output to a log file under target/, readiness from its Actuator endpoint.
 */
final class ServiceProcess implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("specula.repo.root", "../..")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int grpcPort;
    final int httpPort;
    private final Process process;
    final Path log;

    private ServiceProcess(String name, int grpcPort, int httpPort, Process process, Path log) {
        this.name = name;
        this.grpcPort = grpcPort;
        this.httpPort = httpPort;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code module}'s exec jar with the given Spring arguments plus fresh loopback ports. */
    static ServiceProcess start(String name, String module, List<String> arguments) throws IOException {
        return start(name, module, arguments, freePort(), freePort());
    }

    /** Starts it again on the ports of {@code previous} (a replica coming back where the router knows it). */
    static ServiceProcess restart(ServiceProcess previous, String module, List<String> arguments) throws IOException {
        return start(previous.name + "-again", module, arguments, previous.grpcPort, previous.httpPort);
    }

    private static ServiceProcess start(String name, String module, List<String> arguments, int grpc, int http)
            throws IOException {
        Path jar = ROOT.resolve(module).resolve("target").resolve(module + "-0.1.0-exec.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build (mvn verify) first");
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx768m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--spring.grpc.server.port=" + grpc, "--server.port=" + http, "--server.address=127.0.0.1",
                "--specula.shutdown.drain-delay=0s"));
        command.addAll(arguments);
        Path log = ROOT.resolve("e2e/local/target/logs/" + name + ".log");
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new ServiceProcess(name, grpc, http, process, log);
    }

    String grpcAddress() {
        return "127.0.0.1:" + grpcPort;
    }

    /** Waits until Actuator readiness answers UP. */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI uri = URI.create("http://127.0.0.1:" + httpPort + "/actuator/health/readiness");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log: " + tail());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("UP")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + "; log: " + tail());
    }

    /** A Prometheus gauge's value, summed over its series; 0 when absent. */
    double metric(String name) throws Exception {
        return metric(name, "");
    }

    /** A Prometheus metric's value, summed over its series whose labels contain {@code label} (e.g. a="b"). */
    double metric(String name, String label) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus");
        String body = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : body.split("\n")) {
            if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** Polls a gauge until it reads 0, for at most {@code timeout}; returns its last value (0 unless timed out). */
    double awaitZero(String gauge, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        double value = metric(gauge);
        while (value > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            value = metric(gauge);
        }
        return value;
    }

    /** SIGSTOP: the whole JVM freezes (a long GC pause, a stuck VM) with its connections left open. */
    void pause() throws Exception {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}: it carries on where it stopped, unaware of the time that passed. */
    void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no graceful drain, connections reset. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                resume(); // a paused JVM would not act on SIGTERM
            } catch (Exception ignored) {
                // closing anyway
            }
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
