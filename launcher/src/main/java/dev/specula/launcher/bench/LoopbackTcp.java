package dev.specula.launcher.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The plain TCP limit of this machine's loopback, measured the way the store benchmark moves bytes: one
 * connection, 1 MiB writes, the receiver draining into a reused buffer. The reference that gRPC's numbers are
 * read against (DESIGN.md section 2 quotes ≈ 3 GB/s on the development machines).
 */
final class LoopbackTcp {
    private LoopbackTcp() {
    }

    /** @return bytes per second from the first write until the receiver has read everything */
    static double bytesPerSecond(long totalBytes, int chunkBytes) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(server, chunkBytes));
            ByteBuffer chunk = ByteBuffer.allocateDirect(chunkBytes);
            long start;
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
                start = System.nanoTime();
                long sent = 0;
                while (sent < totalBytes) {
                    chunk.clear().limit((int) Math.min(chunkBytes, totalBytes - sent));
                    while (chunk.hasRemaining()) {
                        sent += client.write(chunk);
                    }
                }
                client.shutdownOutput();
                long got = received.get(5, TimeUnit.MINUTES);
                if (got != totalBytes) {
                    throw new IllegalStateException("loopback receiver got " + got + " of " + totalBytes + " bytes");
                }
            }
            return totalBytes / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static long drain(ServerSocketChannel server, int chunkBytes) {
        try (SocketChannel peer = server.accept()) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(chunkBytes);
            long total = 0;
            int n;
            while ((n = peer.read(buffer.clear())) >= 0) {
                total += n;
            }
            return total;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
