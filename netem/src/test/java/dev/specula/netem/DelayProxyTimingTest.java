package dev.specula.netem;

import static dev.specula.netem.TestSockets.connect;
import static dev.specula.netem.TestSockets.inBackground;
import static dev.specula.netem.TestSockets.readExactly;
import static dev.specula.netem.TestSockets.roundTripNanos;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Delay and bandwidth. Lower bounds are exact (the proxy must never deliver early); upper bounds are generous
 * because the build machine may be busy, and only catch gross errors such as a delay applied twice.
 */
class DelayProxyTimingTest {

    private static final Duration DELAY = Duration.ofMillis(25);
    private static final long MS = 1_000_000;

    @Test
    void roundTripCostsTwiceTheOneWayDelay() throws Exception {
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.delay(DELAY));
             Socket socket = connect(proxy.port())) {
            long fastest = Long.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                long rtt = roundTripNanos(socket, ("ping " + i).getBytes(StandardCharsets.US_ASCII));
                assertTrue(rtt >= 2 * DELAY.toNanos(), "round trip " + i + " took only " + rtt / MS + " ms");
                fastest = Math.min(fastest, rtt);
            }
            assertTrue(fastest < 2 * DELAY.toNanos() + 150 * MS, "fastest round trip " + fastest / MS + " ms");
        }
    }

    @Test
    void messagesInFlightDoNotWaitForEachOther() throws Exception {
        int messages = 20;
        int length = 64;
        byte[] all = new byte[messages * length];
        new Random(7).nextBytes(all);
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.delay(DELAY));
             Socket socket = connect(proxy.port())) {
            roundTripNanos(socket, new byte[] {1}); // connection set up before the clock starts

            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                out.write(all, i * length, length);
                // A 2 ms gap makes the proxy read each message as its own chunk, so a proxy that delays chunk by
                // chunk instead of in parallel would need at least 20 x 25 ms.
                Deadlines.sleepUntil(start + (i + 1) * 2 * MS);
            }
            byte[] echoed = readExactly(socket.getInputStream(), all.length);
            long elapsed = System.nanoTime() - start;

            assertArrayEquals(all, echoed);
            assertTrue(elapsed >= 2 * DELAY.toNanos(), "elapsed " + elapsed / MS + " ms");
            assertTrue(elapsed < 400 * MS, "20 pipelined messages took " + elapsed / MS + " ms");
        }
    }

    @Test
    void bandwidthCapPacesTheTransfer() throws Exception {
        int size = 1 << 20;
        long rate = 4L << 20;
        byte[] data = new byte[size];
        new Random(3).nextBytes(data);
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(),
                     new LinkProfile(Duration.ZERO, rate));
             Socket socket = connect(proxy.port())) {
            long start = System.nanoTime();
            Future<Void> writer = inBackground("test-writer", () -> {
                socket.getOutputStream().write(data);
                return null;
            });
            byte[] echoed = readExactly(socket.getInputStream(), size);
            long elapsed = System.nanoTime() - start;
            writer.get(10, TimeUnit.SECONDS);

            assertArrayEquals(data, echoed);
            // 1 MiB at 4 MiB/s is 250 ms per direction; the first 20 ms slice may go out at once.
            assertTrue(elapsed >= 200 * MS, "1 MiB at 4 MiB/s took only " + elapsed / MS + " ms");
            // Bits-for-bytes would be 2 s; both directions pipelined should stay near 250 ms.
            assertTrue(elapsed < 1_500 * MS, "1 MiB at 4 MiB/s took " + elapsed / MS + " ms");
            assertEquals(size, proxy.bytesUpstream());
        }
    }

    @Test
    void profileChangeAppliesToNewData() throws Exception {
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.NONE);
             Socket socket = connect(proxy.port())) {
            byte[] message = "hello".getBytes(StandardCharsets.US_ASCII);
            roundTripNanos(socket, message);

            proxy.setProfile(LinkProfile.delay(Duration.ofMillis(40)));
            long delayed = roundTripNanos(socket, message);
            assertTrue(delayed >= 80 * MS, "round trip after raising the delay took " + delayed / MS + " ms");

            proxy.setProfile(LinkProfile.NONE);
            long fastest = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                fastest = Math.min(fastest, roundTripNanos(socket, message));
            }
            assertTrue(fastest < 80 * MS, "round trip after removing the delay took " + fastest / MS + " ms");
        }
    }
}
