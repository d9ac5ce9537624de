package dev.specula.netem;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One direction of a proxied connection. The reader never waits for the delay, only for room in the line, so many
 * chunks are in flight at once and throughput is not capped at one chunk per delay. The writer alone honours
 * deadlines and the bandwidth cap.
 */
final class Pipe {

    /** What a direction reports to its connection. */
    interface Listener {
        /** The source's end of stream reached the sink (half-close delivered). */
        void finished(Pipe pipe);

        /** An I/O error on either socket; the connection should be torn down. */
        void failed(Pipe pipe, IOException error);
    }

    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private final Socket source;
    private final Socket sink;
    private final DelayLine line;
    private final Supplier<LinkProfile> profile;
    private final Gate gate;
    private final AtomicLong bytesWritten;
    private final Listener listener;
    private final Pacer pacer = new Pacer();

    Pipe(Socket source, Socket sink, long capBytes, Supplier<LinkProfile> profile, Gate gate, AtomicLong bytesWritten,
         Listener listener) {
        this.source = source;
        this.sink = sink;
        this.line = new DelayLine(capBytes);
        this.profile = profile;
        this.gate = gate;
        this.bytesWritten = bytesWritten;
        this.listener = listener;
    }

    long queuedBytes() {
        return line.queuedBytes();
    }

    /** Wakes both loops; the sockets themselves are closed by the connection. */
    void close() {
        line.close();
    }

    void readLoop() {
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        try {
            InputStream in = source.getInputStream();
            while (true) {
                line.awaitCapacity();
                int n = in.read(buffer);
                // The deadline is taken when the bytes left the sender, so time spent queued counts as wire time.
                long deliverAt = System.nanoTime() + profile.get().oneWayDelay().toNanos();
                if (n < 0) {
                    line.put(new DelayLine.Chunk(deliverAt, null));
                    return;
                }
                line.put(new DelayLine.Chunk(deliverAt, Arrays.copyOf(buffer, n)));
            }
        } catch (IOException e) {
            listener.failed(this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void writeLoop() {
        try {
            OutputStream out = sink.getOutputStream();
            DelayLine.Chunk chunk;
            while ((chunk = line.take()) != null) {
                Deadlines.sleepUntil(chunk.deliverAtNanos());
                gate.awaitOpen();
                if (chunk.endOfStream()) {
                    // Half-close rather than close: the other direction may still be carrying a response.
                    sink.shutdownOutput();
                    listener.finished(this);
                    return;
                }
                write(out, chunk.bytes());
            }
        } catch (IOException e) {
            listener.failed(this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(OutputStream out, byte[] bytes) throws IOException, InterruptedException {
        int offset = 0;
        while (offset < bytes.length) {
            long rate = profile.get().bytesPerSecond();
            int slice = Pacer.sliceBytes(rate, bytes.length - offset);
            gate.awaitOpen(); // the link may be black-holed between the slices of a rate-limited chunk
            pacer.acquire(slice, rate);
            out.write(bytes, offset, slice);
            offset += slice;
            bytesWritten.addAndGet(slice);
            line.release(slice);
        }
    }
}
