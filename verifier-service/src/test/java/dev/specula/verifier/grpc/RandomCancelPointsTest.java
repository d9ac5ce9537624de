package dev.specula.verifier.grpc;

import dev.specula.service.testing.SeededClients;
import static dev.specula.service.testing.TestTokens.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.runtime.engine.ServingEngine;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RELIABILITY.md #8, random cancel points: 200 verification sessions over a real gRPC port, four clients at a time,
 * each ended by its client at a seeded random point (before it sends anything, while its open is being prefilled
 * or waits for KV memory, after the open, while a round is verified, between rounds), by cancelling the call or by
 * failing its request stream as a crashing caller would. The KV budget is small (1 MB: three or four sessions of
 * the tiny model), so some opens wait for memory and some are cancelled while they wait. Afterwards the engine
 * must be back where it started: no open or running session, nothing reserved, no KV cache alive, nobody waiting.
 */
class RandomCancelPointsTest extends RunningVerifierTest {
    private static final long SEED = 20261122L;
    private static final int RUNS = 200;
    private static final int CLIENTS = 4;

    enum CancelPoint { BEFORE_OPEN, DURING_OPEN, AFTER_OPEN, DURING_ROUND, BETWEEN_ROUNDS }

    @Override
    Map<String, String> verifierProperties() {
        return Map.of("specula.verifier.kv-budget-bytes", "1MB",
                "specula.verifier.admission-wait", "2s");
    }

    @Test
    void sessionsEndedAtRandomPointsGiveBackEverySessionAndEveryReservedByte() throws Exception {
        ServingEngine serving = engine.serving();
        long reservedBefore = serving.budget().reservedBytes();
        long kvBefore = serving.kvBytesInUse();
        Map<CancelPoint, Integer> hits = SeededClients.run(CLIENTS, RUNS, SEED, CancelPoint.class, this::runOnce);
        assertThat(hits).as("every cancel point was reached").containsOnlyKeys(CancelPoint.values());

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(engine.openSessions()).as("open sessions").isZero();
            assertThat(serving.runningSessions()).as("running sessions").isZero();
            assertThat(serving.budget().reservedBytes()).as("reserved KV bytes").isEqualTo(reservedBefore);
            assertThat(serving.budget().waiting()).as("sessions waiting for KV memory").isZero();
            assertThat(serving.kvBytesInUse()).as("KV bytes of live caches").isEqualTo(kvBefore);
        });
        // And the verifier still serves: a whole session, opened, verified and closed.
        SessionCall call = new SessionCall(verifier.channel());
        call.open(VerifierSessionGrpcTest.open(tokens(8, 1), SamplingParams.GREEDY, 16));
        call.round(VerifierSessionGrpcTest.round(1, new int[] {1, 2}, null));
        call.completeAndAwaitEnd();
    }

    /** One session, ended by its client at a random point; returns the point. */
    private CancelPoint runOnce(Random random) {
        CancelPoint point = CancelPoint.values()[random.nextInt(CancelPoint.values().length)];
        boolean crash = random.nextBoolean();
        int[] prompt = tokens(1 + random.nextInt(300), random.nextInt());
        int maxNewTokens = 32 + random.nextInt(33);
        int rounds = random.nextInt(4);
        SessionCall client = new SessionCall(verifier.channel());
        try {
            if (point == CancelPoint.BEFORE_OPEN) {
                return point;
            }
            client.send(SessionRequest.newBuilder()
                    .setOpen(VerifierSessionGrpcTest.open(prompt, SamplingParams.GREEDY, maxNewTokens)).build());
            if (point == CancelPoint.DURING_OPEN || !client.answeredUnless(Status.Code.RESOURCE_EXHAUSTED)) {
                return point; // refused (no KV memory within admission-wait) counts too: it must leak nothing either
            }
            if (point == CancelPoint.AFTER_OPEN) {
                return point;
            }
            for (int r = 1; r <= rounds; r++) {
                client.send(round(r, random));
                if (!client.answeredUnless(Status.Code.RESOURCE_EXHAUSTED)) {
                    return point;
                }
            }
            if (point == CancelPoint.DURING_ROUND) {
                client.send(round(rounds + 1, random));
            }
            return point;
        } finally {
            if (crash) {
                client.dropWithError();
            } else {
                client.cancel();
            }
        }
    }

    /** Up to four random byte tokens as drafts: mostly rejected, sometimes partly accepted, never invalid. */
    private static SessionRequest round(int number, Random random) {
        int[] drafted = new int[random.nextInt(5)];
        for (int i = 0; i < drafted.length; i++) {
            drafted[i] = random.nextInt(256);
        }
        return SessionRequest.newBuilder().setRound(VerifierSessionGrpcTest.round(number, drafted, null)).build();
    }
}
