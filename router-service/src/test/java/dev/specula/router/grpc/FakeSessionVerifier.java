package dev.specula.router.grpc;

import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.SessionOpened;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A verifier that answers {@code Verifier/Session} the way the real one does under flow control: it takes the next
 * client message only while its verdicts can flow. It runs no model: every round gets a verdict padded to
 * {@link #VERDICT_PROBS} target probabilities (~8 KB), so that the router's receive window fills after a few
 * hundred verdicts. Counts the rounds it answered and the sessions it holds.
 */
final class FakeSessionVerifier implements AutoCloseable {
    static final int VERDICT_PROBS = 2000;

    final AtomicLong rounds = new AtomicLong();
    final AtomicInteger openSessions = new AtomicInteger();
    private final Server server;
    private final RoundVerdict padding;

    FakeSessionVerifier() throws IOException {
        RoundVerdict.Builder verdict = RoundVerdict.newBuilder().setAccepted(0).setNextToken(7).setBonus(false);
        for (int i = 0; i < VERDICT_PROBS; i++) {
            verdict.addTargetProbOfDrafts(0.5f);
        }
        padding = verdict.build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .flowControlWindow(64 * 1024)
                .addService(new VerifierGrpc.VerifierImplBase() {
                    @Override
                    public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> responses) {
                        return new Handler((ServerCallStreamObserver<SessionResponse>) responses);
                    }
                })
                .build().start();
    }

    /** {@code static://127.0.0.1:<port>}. */
    String target() {
        return "static://127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Handler implements StreamObserver<SessionRequest> {
        private final ServerCallStreamObserver<SessionResponse> out;
        private final AtomicBoolean wantsNext = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        Handler(ServerCallStreamObserver<SessionResponse> out) {
            this.out = out;
            openSessions.incrementAndGet();
            out.disableAutoRequest();
            out.setOnCancelHandler(this::release);
            out.setOnReadyHandler(this::requestNextIfReady);
            out.request(1);
        }

        @Override
        public synchronized void onNext(SessionRequest request) {
            if (request.hasOpen()) {
                out.onNext(SessionResponse.newBuilder().setOpened(SessionOpened.newBuilder()
                        .setSessionId("fake").setVocabSize(260).setMaxContext(2048)).build());
            } else {
                rounds.incrementAndGet();
                out.onNext(SessionResponse.newBuilder().setVerdict(padding.toBuilder()
                        .setRound(request.getRound().getRound())).build());
            }
            wantsNext.set(true);
            requestNextIfReady();
        }

        private void requestNextIfReady() {
            if (out.isReady() && wantsNext.compareAndSet(true, false)) {
                out.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            release();
        }

        @Override
        public synchronized void onCompleted() {
            release();
            out.onCompleted();
        }

        private void release() {
            if (closed.compareAndSet(false, true)) {
                openSessions.decrementAndGet();
            }
        }
    }
}
