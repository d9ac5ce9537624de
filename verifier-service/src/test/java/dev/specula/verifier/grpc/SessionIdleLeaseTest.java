package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.testing.ModelPair;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A session whose client goes quiet (paused, partitioned) is ended after the idle timeout and its slot freed; a
 * session whose client keeps sending rounds lives on past it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionIdleLeaseTest {
    private static final Duration IDLE = Duration.ofMillis(600);
    private RunningService verifier;
    private VerifierEngine engine;

    @BeforeAll
    void start() {
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, Map.of(
                "specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                "specula.verifier.session-idle-timeout", IDLE.toMillis() + "ms"));
        engine = verifier.bean(VerifierEngine.class);
    }

    @AfterAll
    void stop() {
        if (verifier != null) {
            verifier.close();
        }
    }

    /** A session stream whose responses and end land in queues. */
    private static final class Session implements StreamObserver<SessionResponse> {
        final LinkedBlockingQueue<SessionResponse> responses = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();
        StreamObserver<SessionRequest> requests;

        @Override
        public void onNext(SessionResponse value) {
            responses.add(value);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(t instanceof StatusRuntimeException e ? e.getStatus() : Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }
    }

    private Session open() throws InterruptedException {
        Session session = new Session();
        session.requests = VerifierGrpc.newStub(verifier.channel()).session(session);
        session.requests.onNext(SessionRequest.newBuilder().setOpen(VerifierSessionGrpcTest.open(new int[] {1, 2, 3},
                SamplingParams.GREEDY, 64)).build());
        assertThat(session.responses.poll(10, TimeUnit.SECONDS)).as("opened").isNotNull();
        return session;
    }

    @Test
    void aQuietClientsSessionIsEndedAndFreedAfterTheIdleTimeout() throws Exception {
        Session quiet = open();
        assertThat(engine.openSessions()).isEqualTo(1);

        Status status = quiet.end.get(IDLE.toMillis() + 10_000, TimeUnit.MILLISECONDS);

        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).contains("idle");
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.openSessions() == 0);
    }

    @Test
    void aClientThatKeepsSendingRoundsOutlivesTheIdleTimeout() throws Exception {
        Session busy = open();
        long until = System.nanoTime() + 3 * IDLE.toNanos();
        int round = 0;
        while (System.nanoTime() < until) {
            busy.requests.onNext(SessionRequest.newBuilder().setRound(VerifyRound.newBuilder().setRound(++round)).build());
            assertThat(busy.responses.poll(5, TimeUnit.SECONDS)).as("verdict of round " + round).isNotNull();
            Thread.sleep(IDLE.toMillis() / 4);
        }
        assertThat(busy.end).as("still open after three idle timeouts of activity").isNotDone();
        busy.requests.onCompleted();
        assertThat(busy.end.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    }
}
