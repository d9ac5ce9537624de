package dev.specula.router.testing;

import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.proto.v1.VerifierGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A drafter and a verifier (one gRPC server on loopback) that hold every generation until the test releases them
 * (at most 60 s), then answer {@code output} in one chunk and a summary: a router in front of them has exactly the
 * generations in flight that the test started, for admission tests.
 */
public final class HeldBackends implements AutoCloseable {
    private final AtomicInteger started = new AtomicInteger();
    private final Server server;
    private volatile CountDownLatch release = new CountDownLatch(1);

    public HeldBackends(int[] output) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new DrafterGrpc.DrafterImplBase() {
                    @Override
                    public void generate(DraftGenerateRequest request, StreamObserver<GenerateEvent> out) {
                        held(output, Mode.MODE_SPECULATIVE, out);
                    }
                })
                .addService(new VerifierGrpc.VerifierImplBase() {
                    @Override
                    public void generate(TargetGenerateRequest request, StreamObserver<GenerateEvent> out) {
                        held(output, Mode.MODE_TARGET_ONLY, out);
                    }
                })
                .build().start();
    }

    /** The {@code static://} target of both backends, for the router's channel properties. */
    public String target() {
        return "static://127.0.0.1:" + server.getPort();
    }

    /** Generations that reached a backend since the last {@link #holdAgain}. */
    public int started() {
        return started.get();
    }

    /** Lets every held generation, and every later one, answer. */
    public void release() {
        release.countDown();
    }

    /** From now on generations are held again, and counted from 0. */
    public void holdAgain() {
        release = new CountDownLatch(1);
        started.set(0);
    }

    private void held(int[] output, Mode mode, StreamObserver<GenerateEvent> out) {
        CountDownLatch latch = release;
        started.incrementAndGet();
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                out.onError(Status.INTERNAL.withDescription("never released").asRuntimeException());
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.CANCELLED.asRuntimeException());
            return;
        }
        TokenChunk.Builder chunk = TokenChunk.newBuilder();
        for (int id : output) {
            chunk.addTokenIds(id);
        }
        out.onNext(GenerateEvent.newBuilder().setChunk(chunk).build());
        out.onNext(GenerateEvent.newBuilder().setSummary(GenerationSummary.newBuilder().setMode(mode)
                .setFinishReason(FinishReason.FINISH_REASON_STOP).setCompletionTokens(output.length)).build());
        out.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        release();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
