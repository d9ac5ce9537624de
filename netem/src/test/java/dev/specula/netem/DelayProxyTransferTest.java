package dev.specula.netem;

import static dev.specula.netem.TestSockets.connect;
import static dev.specula.netem.TestSockets.inBackground;
import static dev.specula.netem.TestSockets.patternByte;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Data integrity, half-close and bounded buffering. */
class DelayProxyTransferTest {

    @Test
    void multiMegabyteTransferArrivesIntactInBothDirections() throws Exception {
        int size = 8 << 20;
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        try (EchoServer echo = new EchoServer();
             DelayProxy proxy = new DelayProxy("127.0.0.1", echo.port(), LinkProfile.delay(Duration.ofMillis(5)));
             Socket socket = connect(proxy.port())) {
            Future<Void> writer = inBackground("test-writer", () -> {
                OutputStream out = socket.getOutputStream();
                // Uneven write sizes, so chunk boundaries never line up with anything the proxy assumes.
                for (int offset = 0, step = 1; offset < size; offset += step, step = step * 3 % 100_003 + 1) {
                    out.write(data, offset, Math.min(step, size - offset));
                }
                socket.shutdownOutput();
                return null;
            });
            ByteArrayOutputStream received = new ByteArrayOutputStream(size);
            // Reading to EOF also checks that the half-close travelled to the echo server and its FIN came back.
            socket.getInputStream().transferTo(received);
            writer.get(30, TimeUnit.SECONDS);

            assertArrayEquals(data, received.toByteArray());
            assertEquals(size, proxy.bytesUpstream());
            assertEquals(size, proxy.bytesDownstream());
            assertEquals(1, proxy.connectionsAccepted());
        }
    }

    @Test
    void fullDelayLineStopsReadingInsteadOfBufferingWithoutBound() throws Exception {
        long cap = 1 << 20;
        long total = 64L << 20; // more than all kernel buffers on the path can hold, so the sender must stall
        CountDownLatch gate = new CountDownLatch(1);
        try (ServerSocket sinkServer = new ServerSocket()) {
            sinkServer.setReceiveBufferSize(64 * 1024);
            sinkServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<Long> sink = inBackground("test-sink", () -> {
                try (Socket accepted = sinkServer.accept()) {
                    gate.await();
                    InputStream in = accepted.getInputStream();
                    byte[] buffer = new byte[64 * 1024];
                    long index = 0;
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        for (int i = 0; i < n; i++, index++) {
                            if (buffer[i] != patternByte(index)) {
                                throw new AssertionError("byte " + index + " corrupted or reordered");
                            }
                        }
                    }
                    return index;
                }
            });
            try (DelayProxy proxy = new DelayProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), sinkServer.getLocalPort()),
                    LinkProfile.NONE, cap);
                 Socket client = new Socket()) {
                client.setSendBufferSize(64 * 1024);
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()), 5_000);
                Future<Void> writer = inBackground("test-writer", () -> {
                    OutputStream out = client.getOutputStream();
                    byte[] buffer = new byte[64 * 1024];
                    for (long offset = 0; offset < total; offset += buffer.length) {
                        for (int i = 0; i < buffer.length; i++) {
                            buffer[i] = patternByte(offset + i);
                        }
                        out.write(buffer);
                    }
                    client.shutdownOutput();
                    return null;
                });

                long maxAllowed = cap + 64 * 1024; // the reader checks the cap before each read of up to 64 KiB
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                long queued;
                while ((queued = proxy.bytesQueuedUpstream()) < cap && System.nanoTime() < deadline) {
                    assertTrue(queued <= maxAllowed, "queued " + queued);
                    LockSupport.parkNanos(1_000_000);
                }
                assertTrue(queued >= cap, "the delay line never filled up: " + queued);
                // With the line full, keep watching: an unbounded buffer would keep growing while the client writes.
                long watchUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < watchUntil) {
                    queued = proxy.bytesQueuedUpstream();
                    assertTrue(queued <= maxAllowed, "queued " + queued + " exceeds " + maxAllowed);
                    LockSupport.parkNanos(1_000_000);
                }
                assertFalse(writer.isDone(), "the client finished although the target reads nothing");

                gate.countDown();
                writer.get(60, TimeUnit.SECONDS);
                assertEquals(total, sink.get(60, TimeUnit.SECONDS));
                assertEquals(total, proxy.bytesUpstream());
            } finally {
                gate.countDown();
            }
        }
    }
}
