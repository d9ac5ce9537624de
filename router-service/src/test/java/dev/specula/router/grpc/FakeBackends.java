package dev.specula.router.grpc;

import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.proto.v1.VerifierGrpc;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Scripted stand-ins for the drafter and the verifier on one loopback server (the router reaches its backends
 * through channels configured by logical name, which Spring gRPC resolves to network targets only). Each records
 * the requests the router sent and answers with the script the test set; {@link #reset()} restores "refuse
 * everything".
 */
final class FakeBackends implements AutoCloseable {

    /** How a fake answers one generation request. */
    @FunctionalInterface
    interface Script<R> {
        void answer(R request, ServerCallStreamObserver<GenerateEvent> out) throws InterruptedException;
    }

    final List<DraftGenerateRequest> drafterRequests = new CopyOnWriteArrayList<>();
    final List<TargetGenerateRequest> verifierRequests = new CopyOnWriteArrayList<>();
    volatile Script<DraftGenerateRequest> drafter;
    volatile Script<TargetGenerateRequest> verifier;
    private final Server server;

    FakeBackends() throws IOException {
        this(null);
    }

    /** @param tls the server's TLS (with client certificates required, for mTLS), or null for plaintext */
    FakeBackends(SslContext tls) throws IOException {
        reset();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        if (tls != null) {
            // Backends on a TLS mesh are also probed over it: both roles report SERVING.
            HealthStatusManager health = new HealthStatusManager();
            health.setStatus("drafter", HealthCheckResponse.ServingStatus.SERVING);
            health.setStatus("verifier", HealthCheckResponse.ServingStatus.SERVING);
            builder.sslContext(tls).addService(health.getHealthService());
        }
        server = builder
                .addService(new DrafterGrpc.DrafterImplBase() {
                    @Override
                    public void generate(DraftGenerateRequest request, StreamObserver<GenerateEvent> out) {
                        drafterRequests.add(request);
                        run(drafter, request, out);
                    }
                })
                .addService(new VerifierGrpc.VerifierImplBase() {
                    @Override
                    public void generate(TargetGenerateRequest request, StreamObserver<GenerateEvent> out) {
                        verifierRequests.add(request);
                        run(verifier, request, out);
                    }
                })
                .build().start();
    }

    /** {@code 127.0.0.1:<port>}: where both fakes answer, as an endpoint list names it. */
    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** {@code static://127.0.0.1:<port>}: where both fakes answer. */
    String target() {
        return "static://127.0.0.1:" + server.getPort();
    }

    void reset() {
        drafterRequests.clear();
        verifierRequests.clear();
        drafter = fail(Status.INTERNAL.withDescription("the drafter has no script"));
        verifier = fail(Status.INTERNAL.withDescription("the verifier has no script"));
    }

    /** Streams each array as one chunk, then the summary. */
    static <R> Script<R> stream(List<int[]> chunks, GenerationSummary summary) {
        return (request, out) -> {
            chunks.forEach(chunk -> out.onNext(chunk(chunk)));
            out.onNext(GenerateEvent.newBuilder().setSummary(summary).build());
            out.onCompleted();
        };
    }

    static <R> Script<R> fail(Status status) {
        return (request, out) -> out.onError(status.asRuntimeException());
    }

    /**
     * Streams {@code first}, then waits (at most 30 s) for the call to be cancelled and counts the latch down.
     * Watches the call's Context: the on-cancel callback would only run after this handler returned.
     */
    static <R> Script<R> streamUntilCancelled(int[] first, CountDownLatch cancelled) {
        return (request, out) -> {
            Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
            out.onNext(chunk(first));
            if (!cancelled.await(30, TimeUnit.SECONDS)) {
                out.onError(Status.INTERNAL.withDescription("never cancelled").asRuntimeException());
            }
        };
    }

    /** Sends nothing (a hung backend) until the call is cancelled, then counts the latch down. */
    static <R> Script<R> silentUntilCancelled(CountDownLatch cancelled) {
        return (request, out) -> {
            Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
            if (!cancelled.await(30, TimeUnit.SECONDS)) {
                out.onError(Status.INTERNAL.withDescription("never cancelled").asRuntimeException());
            }
        };
    }

    /** Streams {@code first}, then fails with {@code status}. */
    static <R> Script<R> streamThenFail(int[] first, Status status) {
        return (request, out) -> {
            out.onNext(chunk(first));
            out.onError(status.asRuntimeException());
        };
    }

    private static GenerateEvent chunk(int[] tokens) {
        TokenChunk.Builder chunk = TokenChunk.newBuilder();
        IntStream.of(tokens).forEach(chunk::addTokenIds);
        return GenerateEvent.newBuilder().setChunk(chunk).build();
    }

    private static <R> void run(Script<R> script, R request, StreamObserver<GenerateEvent> out) {
        try {
            script.answer(request, (ServerCallStreamObserver<GenerateEvent>) out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.CANCELLED.asRuntimeException());
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
