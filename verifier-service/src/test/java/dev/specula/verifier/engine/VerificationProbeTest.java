package dev.specula.verifier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.runtime.engine.BatchListener;
import dev.specula.runtime.engine.BlockStore;
import dev.specula.verifier.health.VerificationProbe;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;

/** Readiness is a real one-token verification: a wedged forward loop turns it DOWN, and it recovers. */
class VerificationProbeTest {

    @Test
    void aWedgedForwardLoopIsNotReadyUntilItMovesAgain() {
        AtomicBoolean wedged = new AtomicBoolean();
        CountDownLatch unwedge = new CountDownLatch(1);
        BatchListener stuckWhenWedged = (sessions, tokens, padded, nanos) -> {
            if (wedged.get()) {
                try {
                    unwedge.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (VerifierEngine engine = new VerifierEngine(VerifierEngineAdmissionTest.properties(DataSize.ofMegabytes(64)),
                (codec, blockTokens) -> BlockStore.NONE, stuckWhenWedged);
             VerificationProbe probe = new VerificationProbe(engine, Duration.ofMillis(500), Duration.ZERO, System::nanoTime)) {
            assertThat(probe.check().getStatus()).isEqualTo(Status.UP);

            wedged.set(true);
            // The step that wedges the loop may still answer its own work; the probe after it cannot.
            probe.check();
            Health stuck = probe.check();
            assertThat(stuck.getStatus()).isEqualTo(Status.DOWN);
            assertThat(stuck.getDetails().get("reason").toString()).containsAnyOf("within 500 ms", "stuck");
            assertThat(probe.check().getDetails().get("reason").toString()).contains("stuck");

            wedged.set(false);
            unwedge.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> probe.check().getStatus().equals(Status.UP));
            assertThat(engine.openSessions()).as("probe sessions are closed").isZero();
        }
    }

    @Test
    void anAnswerIsReusedWithinItsCachePeriod() {
        AtomicLong clock = new AtomicLong();
        try (VerifierEngine engine = new VerifierEngine(VerifierEngineAdmissionTest.properties(DataSize.ofMegabytes(64)));
             VerificationProbe probe = new VerificationProbe(engine, Duration.ofSeconds(5), Duration.ofSeconds(3), clock::get)) {
            Health first = probe.check();
            clock.addAndGet(Duration.ofSeconds(2).toNanos());
            assertThat(probe.check()).isSameAs(first);
            clock.addAndGet(Duration.ofSeconds(2).toNanos());
            assertThat(probe.check()).isNotSameAs(first);
        }
    }
}
