package dev.specula.netem;

import static dev.specula.netem.TestSockets.connect;
import static dev.specula.netem.TestSockets.inBackground;
import static dev.specula.netem.TestSockets.liveNetemThreads;
import static dev.specula.netem.TestSockets.roundTripNanos;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Cutting connections and shutting the proxy down. */
class DelayProxyLifecycleTest {

    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    @Test
    void cutEndsBlockedReadsAndTheProxyKeepsAccepting() throws Exception {
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.delay(Duration.ofMillis(10)))) {
            try (Socket first = connect(proxy.port())) {
                roundTripNanos(first, PING); // the proxied connection is fully set up
                Future<String> blockedRead = inBackground("test-reader", () -> readOutcome(first));

                assertEquals(1, proxy.cutConnections());

                String outcome = blockedRead.get(TestSockets.READ_TIMEOUT_MILLIS * 2L, TimeUnit.MILLISECONDS);
                assertTrue(outcome.equals("eof") || outcome.startsWith("io:"), outcome);
                assertEquals(0, proxy.openConnections());
            }
            try (Socket second = connect(proxy.port())) {
                roundTripNanos(second, PING);
            }
            assertEquals(1, proxy.cuts());
            assertEquals(2, proxy.connectionsAccepted());
        }
    }

    private static String readOutcome(Socket socket) {
        try {
            int b = socket.getInputStream().read();
            return b < 0 ? "eof" : "unexpected byte " + b;
        } catch (SocketTimeoutException e) {
            return "timeout: the cut did not reach the client";
        } catch (IOException e) {
            return "io: " + e;
        }
    }

    @Test
    void closeStopsEveryProxyThreadAndTheListener() throws Exception {
        try (EchoServer echo = new EchoServer()) {
            DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.delay(Duration.ofMillis(200)));
            int port = proxy.port();
            try (Socket idle = connect(port); Socket inFlight = connect(port)) {
                roundTripNanos(idle, PING);
                inFlight.getOutputStream().write(PING); // still in the delay line when the proxy closes
                List<String> before = liveNetemThreads();
                assertTrue(before.stream().anyMatch(name -> name.startsWith("netem-" + port + "-c")), before::toString);

                proxy.close();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                List<String> alive;
                while (!(alive = liveNetemThreads()).isEmpty() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
                assertEquals(List.of(), alive, "proxy threads still alive after close");

                for (Socket socket : List.of(idle, inFlight)) {
                    String outcome = readOutcome(socket);
                    assertTrue(outcome.equals("eof") || outcome.startsWith("io:"), outcome);
                }
                assertThrows(ConnectException.class, () -> connect(port).close());
            }
            proxy.close(); // idempotent
        }
    }

    @Test
    void unreachableTargetClosesTheClientConnection() throws Exception {
        int deadPort;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = unused.getLocalPort();
        }
        try (DelayProxy proxy = new DelayProxy("127.0.0.1", deadPort, LinkProfile.NONE)) {
            String outcome;
            // The proxy may reset the connection before the client's connect() has even returned.
            try (Socket socket = connect(proxy.port())) {
                outcome = readOutcome(socket);
            } catch (java.net.SocketException reset) {
                outcome = "io: " + reset;
            }
            assertTrue(outcome.equals("eof") || outcome.startsWith("io:"), outcome);
            assertEquals(1, proxy.connectionsAccepted());
        }
    }
}
