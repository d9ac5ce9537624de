package dev.specula.netem;

import static dev.specula.netem.TestSockets.connect;
import static dev.specula.netem.TestSockets.liveNetemThreads;
import static dev.specula.netem.TestSockets.readExactly;
import static dev.specula.netem.TestSockets.roundTripNanos;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A black-holed link forwards nothing and tells nobody, and delivers everything it held once healed. */
class DelayProxyBlackHoleTest {

    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aBlackHoleHoldsBytesAndNewConnectionsUntilItHeals() throws Exception {
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.NONE)) {
            try (Socket open = connect(proxy.port())) {
                roundTripNanos(open, PING); // connected through to the echo server
                // The proxy counts a chunk after writing it, so the echo may answer before the count moves.
                awaitTrue(() -> proxy.bytesUpstream() == PING.length,
                        () -> "the round trip's bytes were not counted: " + proxy.bytesUpstream());
                long forwarded = proxy.bytesUpstream();

                proxy.blackHole();
                open.getOutputStream().write(PING);
                open.getOutputStream().write(PONG);
                // Accepted: to the client a black hole looks like a slow peer.
                try (Socket late = connect(proxy.port())) {
                    late.getOutputStream().write(PONG);
                    awaitTrue(() -> proxy.bytesQueuedUpstream() == PING.length + PONG.length,
                            () -> "the proxy did not read the bytes it should hold: " + proxy.bytesQueuedUpstream());
                    awaitTrue(() -> proxy.connectionsAccepted() == 2, () -> "second connection not accepted");

                    assertTrue(proxy.blackHoled());
                    assertEquals(forwarded, proxy.bytesUpstream(), "nothing crossed the black hole");
                    assertEquals(1, echo.accepted(), "the late connection did not reach the target");
                    assertEquals(2, proxy.openConnections(), "nobody was told: both connections are still open");

                    proxy.heal();

                    assertFalse(proxy.blackHoled());
                    assertArrayEquals(PING, readExactly(open.getInputStream(), PING.length), "held bytes, in order");
                    assertArrayEquals(PONG, readExactly(open.getInputStream(), PONG.length));
                    assertArrayEquals(PONG, readExactly(late.getInputStream(), PONG.length));
                    assertEquals(2, echo.accepted());
                    roundTripNanos(open, PING); // and the link is normal again
                }
            }
        }
    }

    @Test
    void cutAndCloseEndConnectionsHeldByABlackHole() throws Exception {
        try (EchoServer echo = new EchoServer()) {
            DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.NONE);
            int port = proxy.port();
            try (Socket open = connect(port)) {
                roundTripNanos(open, PING);
                proxy.blackHole();
                open.getOutputStream().write(PING); // waits in the black hole
                try (Socket late = connect(port)) { // waits in the black hole before connecting to the target
                    awaitTrue(() -> proxy.connectionsAccepted() == 2, () -> "second connection not accepted");

                    assertEquals(2, proxy.cutConnections());
                    awaitTrue(() -> proxy.openConnections() == 0, () -> proxy.openConnections() + " still open");
                    assertEquals(1, echo.accepted());
                }
                try (Socket held = connect(port)) {
                    held.getOutputStream().write(PING);
                    awaitTrue(() -> proxy.openConnections() == 1, () -> "third connection not accepted");
                    proxy.close();
                    awaitTrue(() -> liveNetemThreads().isEmpty(), () -> "still alive: " + liveNetemThreads());
                    assertEquals(List.of(), liveNetemThreads());
                }
            } finally {
                proxy.close();
            }
        }
    }

    /** Polls, bounded by a generous deadline, for a condition the proxy reaches on its own threads. */
    private static void awaitTrue(BooleanSupplier condition, Supplier<String> failure) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, failure);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }
}
