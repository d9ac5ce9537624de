package dev.specula.netem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.stream.Collectors;

/** Client-side helpers shared by the proxy tests. */
final class TestSockets {

    /** Generous so a starved CI machine cannot hang a test forever, but a broken proxy still fails it. */
    static final int READ_TIMEOUT_MILLIS = 10_000;

    private TestSockets() {
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        return socket;
    }

    static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new EOFException("EOF after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    /** Sends a message through an echo path and returns the time until it is back, checking it is intact. */
    static long roundTripNanos(Socket socket, byte[] message) throws IOException {
        long start = System.nanoTime();
        socket.getOutputStream().write(message);
        byte[] echoed = readExactly(socket.getInputStream(), message.length);
        long elapsed = System.nanoTime() - start;
        assertArrayEquals(message, echoed);
        return elapsed;
    }

    static <T> Future<T> inBackground(String name, Callable<T> body) {
        FutureTask<T> task = new FutureTask<>(body);
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    /** Deterministic, non-repeating-at-small-periods content, so reordering or loss shows up as a mismatch. */
    static byte patternByte(long index) {
        return (byte) ((index * 31 + (index >>> 13) * 7 + 11) & 0xff);
    }

    static List<String> liveNetemThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("netem-"))
                .sorted()
                .collect(Collectors.toList());
    }
}
