package dev.specula.router.testing;

import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.proto.v1.VerifierGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A drafter and a verifier that answer Generate from a script over real loopback gRPC: the output is
 * {@link #output} (token ids) cut at max_new_tokens, in rounds of {@link #roundSize} tokens, then a summary with
 * fixed speculation stats. Failures, delays and cancellations are scriptable and observable.
 */
public final class FakeMesh implements AutoCloseable {
    public final List<DraftGenerateRequest> draftRequests = new CopyOnWriteArrayList<>();
    public final List<TargetGenerateRequest> targetRequests = new CopyOnWriteArrayList<>();
    public final AtomicInteger cancellations = new AtomicInteger();
    public volatile int[] output = new int[0];
    public volatile int roundSize = 3;
    /** Fail the call at once with this status (null = answer). */
    public volatile Status failDrafter;
    public volatile Status failVerifier;
    /** After this many tokens, fail with {@link #midStreamFailure} (-1 = never). */
    public volatile int failAfterTokens = -1;
    public volatile Status midStreamFailure = Status.UNAVAILABLE.withDescription("verifier died");
    public volatile long firstChunkDelayMillis;
    public volatile long chunkDelayMillis;
    /** When set, the backend waits for it after sending its first chunk (null = never waits). */
    public volatile CountDownLatch holdAfterFirstChunk;

    private final Server server;

    public FakeMesh() {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new DrafterGrpc.DrafterImplBase() {
                        @Override
                        public void generate(DraftGenerateRequest request, StreamObserver<GenerateEvent> responses) {
                            draftRequests.add(request);
                            Mode mode = request.getMode() == Mode.MODE_DRAFT_ONLY ? Mode.MODE_DRAFT_ONLY
                                    : Mode.MODE_SPECULATIVE;
                            serve(failDrafter, request.getMaxNewTokens(), mode, responses);
                        }
                    })
                    .addService(new VerifierGrpc.VerifierImplBase() {
                        @Override
                        public void generate(TargetGenerateRequest request, StreamObserver<GenerateEvent> responses) {
                            targetRequests.add(request);
                            serve(failVerifier, request.getMaxNewTokens(), Mode.MODE_TARGET_ONLY, responses);
                        }
                    })
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getPort();
    }

    public String target() {
        return "static://127.0.0.1:" + port();
    }

    /** Back to answering normally and fast, with no recorded requests. */
    public void reset(int[] newOutput) {
        output = newOutput.clone();
        roundSize = 3;
        failDrafter = null;
        failVerifier = null;
        failAfterTokens = -1;
        midStreamFailure = Status.UNAVAILABLE.withDescription("verifier died");
        firstChunkDelayMillis = 0;
        chunkDelayMillis = 0;
        holdAfterFirstChunk = null;
        draftRequests.clear();
        targetRequests.clear();
        cancellations.set(0);
    }

    private void serve(Status fail, int maxNewTokens, Mode mode, StreamObserver<GenerateEvent> responses) {
        var call = (ServerCallStreamObserver<GenerateEvent>) responses;
        call.setOnCancelHandler(cancellations::incrementAndGet);
        if (fail != null) {
            responses.onError(fail.asRuntimeException());
            return;
        }
        int[] script = output;
        int n = Math.min(script.length, maxNewTokens);
        int rounds = 0;
        try {
            if (firstChunkDelayMillis > 0) {
                Thread.sleep(firstChunkDelayMillis);
            }
            for (int from = 0; from < n; from += roundSize) {
                if (call.isCancelled()) {
                    return;
                }
                if (failAfterTokens >= 0 && from >= failAfterTokens) {
                    responses.onError(midStreamFailure.asRuntimeException());
                    return;
                }
                TokenChunk.Builder chunk = TokenChunk.newBuilder();
                for (int i = from; i < Math.min(n, from + roundSize); i++) {
                    chunk.addTokenIds(script[i]);
                }
                responses.onNext(GenerateEvent.newBuilder().setChunk(chunk).build());
                rounds++;
                CountDownLatch hold = holdAfterFirstChunk;
                if (rounds == 1 && hold != null) {
                    hold.await();
                }
                if (chunkDelayMillis > 0) {
                    Thread.sleep(chunkDelayMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            return; // cancelled while sending
        }
        SpeculationStats.Builder stats = SpeculationStats.newBuilder();
        if (mode == Mode.MODE_SPECULATIVE) {
            stats.setRounds(rounds).setDrafts(rounds).setDraftTokens(4L * rounds).setAcceptedTokens(2L * rounds)
                    .addAcceptedPerPosition(rounds).addAcceptedPerPosition(rounds).setAcceptanceRate(0.5)
                    .setMeanAcceptanceLength(3.0);
        }
        responses.onNext(GenerateEvent.newBuilder().setSummary(GenerationSummary.newBuilder()
                .setMode(mode)
                .setFinishReason(n < script.length ? FinishReason.FINISH_REASON_LENGTH : FinishReason.FINISH_REASON_STOP)
                .setCompletionTokens(n)
                .setStats(stats)).build());
        responses.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
