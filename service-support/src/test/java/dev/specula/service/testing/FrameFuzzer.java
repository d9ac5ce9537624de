package dev.specula.service.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends random and mutated protobuf frames to every method of a gRPC service, as raw bytes through a generic
 * {@link ClientCall} with a {@code byte[]} marshaller, so the server's own parsing and validation see them exactly
 * as an attacker on the internal plane would send them (RELIABILITY.md #20). Deterministic for a given seed.
 *
 * <p>Each call carries a deadline; {@link Outcome#status()} is what the server closed it with, or
 * DEADLINE_EXCEEDED when it did not answer in time (a hang).
 */
public final class FrameFuzzer {
    /** Largest random frame (bytes): well under every server's inbound limit, so the parser is what refuses. */
    private static final int MAX_RANDOM_FRAME = 256;

    private final Channel channel;
    private final Random random;
    private final long deadlineMillis;

    /** One fuzzed call: the method, the frames sent, and how the server ended the call. */
    public record Outcome(String method, List<byte[]> frames, Status status) {
        @Override
        public String toString() {
            StringBuilder hex = new StringBuilder();
            for (byte[] frame : frames) {
                hex.append(hex.length() == 0 ? "" : " | ").append(frame.length).append(" bytes ")
                        .append(hexPrefix(frame));
            }
            return method + " [" + hex + "] -> " + status.getCode() + ": " + status.getDescription();
        }
    }

    public FrameFuzzer(Channel channel, long seed, long deadlineMillis) {
        this.channel = channel;
        this.random = new Random(seed);
        this.deadlineMillis = deadlineMillis;
    }

    /**
     * Fuzzes every method of {@code service}: {@code calls} calls each, half of pure random bytes and half of
     * mutations of the method's valid request in {@code valid} (full method name to serialized request; a method
     * without one gets random frames only). Client-streaming methods get one to three frames per call.
     */
    public List<Outcome> fuzz(ServiceDescriptor service, Map<String, byte[]> valid, int calls) {
        List<Outcome> outcomes = new ArrayList<>();
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            byte[] seedFrame = valid.get(method.getFullMethodName());
            for (int i = 0; i < calls; i++) {
                int frameCount = method.getType().clientSendsOneMessage() ? 1 : 1 + random.nextInt(3);
                List<byte[]> frames = new ArrayList<>();
                for (int f = 0; f < frameCount; f++) {
                    frames.add(seedFrame != null && (i % 2 == 1) ? mutate(seedFrame) : randomFrame());
                }
                outcomes.add(new Outcome(method.getFullMethodName(), frames, call(method, frames)));
            }
        }
        return outcomes;
    }

    /** Sends {@code frames} on one call of {@code method}, half-closes, and waits for the server's status. */
    public Status call(MethodDescriptor<?, ?> method, List<byte[]> frames) {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(BYTES, BYTES).build();
        ClientCall<byte[], byte[]> call = channel.newCall(raw,
                CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        for (byte[] frame : frames) {
            call.sendMessage(frame);
        }
        call.halfClose();
        try {
            // The deadline ends the call; the slack only guards against a client-side bug.
            return closed.get(deadlineMillis + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel("interrupted", e);
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            call.cancel("no status", e);
            return Status.DEADLINE_EXCEEDED.withDescription("the call never closed");
        }
    }

    private byte[] randomFrame() {
        byte[] frame = new byte[random.nextInt(MAX_RANDOM_FRAME + 1)];
        random.nextBytes(frame);
        return frame;
    }

    /** A valid frame with one to four edits: bit flips, byte overwrites, truncation, inserted or varint-bomb bytes. */
    private byte[] mutate(byte[] valid) {
        byte[] frame = valid.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (frame.length > 0) {
                        int at = random.nextInt(frame.length);
                        frame[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    if (frame.length > 0) {
                        frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> frame = Arrays.copyOf(frame, frame.length == 0 ? 0 : random.nextInt(frame.length));
                case 3 -> frame = insert(frame, randomBytes(1 + random.nextInt(16)));
                case 4 -> {
                    // an unterminated or ten-byte varint, as a length or a value
                    byte[] bomb = new byte[1 + random.nextInt(10)];
                    Arrays.fill(bomb, (byte) 0xFF);
                    frame = insert(frame, bomb);
                }
                default -> {
                    // a length prefix claiming far more bytes than follow
                    frame = insert(frame, new byte[] {(byte) 0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07});
                }
            }
        }
        return frame;
    }

    private byte[] insert(byte[] frame, byte[] bytes) {
        int at = frame.length == 0 ? 0 : random.nextInt(frame.length + 1);
        byte[] out = new byte[frame.length + bytes.length];
        System.arraycopy(frame, 0, out, 0, at);
        System.arraycopy(bytes, 0, out, at, bytes.length);
        System.arraycopy(frame, at, out, at + bytes.length, frame.length - at);
        return out;
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String hexPrefix(byte[] frame) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(frame.length, 16); i++) {
            hex.append(String.format("%02x", frame[i] & 0xFF));
        }
        return hex + (frame.length > 16 ? "…" : "");
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
