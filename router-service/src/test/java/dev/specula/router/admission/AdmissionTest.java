package dev.specula.router.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admission gate on its own: queue bound, queue timeout, hand-over order and permit release. */
class AdmissionTest {

    private static Admission admission(int inFlight, int queued, Duration timeout) {
        return new Admission(new AdmissionProperties(inFlight, queued, timeout), new SimpleMeterRegistry());
    }

    @Test
    void aRequestStillQueuedAtTheTimeoutIsRefusedAndLeavesTheQueue() {
        Admission admission = admission(1, 1, Duration.ofMillis(50));
        Admission.Permit held = admission.admit(Admission.Door.GRPC);

        AdmissionRefusedException refused = catchThrowableOfType(AdmissionRefusedException.class,
                () -> admission.admit(Admission.Door.HTTP));

        assertThat(refused.reason()).isEqualTo(Admission.Reason.QUEUE_TIMEOUT);
        assertThat(admission.refused(Admission.Door.HTTP, Admission.Reason.QUEUE_TIMEOUT)).isEqualTo(1);
        assertThat(admission.queued()).isZero();
        assertThat(admission.inFlight()).isEqualTo(1);
        held.close();
        assertThat(admission.inFlight()).isZero();
    }

    @Test
    void aFreedSlotGoesToTheWaiterAndOneMoreThanTheQueueIsRefusedAtOnce() throws Exception {
        Admission admission = admission(1, 1, Duration.ofMinutes(1));
        Admission.Permit held = admission.admit(Admission.Door.GRPC);
        CompletableFuture<Admission.Permit> waiter =
                CompletableFuture.supplyAsync(() -> admission.admit(Admission.Door.GRPC));
        await().until(() -> admission.queued() == 1);

        AdmissionRefusedException refused = catchThrowableOfType(AdmissionRefusedException.class,
                () -> admission.admit(Admission.Door.GRPC));
        assertThat(refused.reason()).isEqualTo(Admission.Reason.QUEUE_FULL);
        assertThat(admission.refused(Admission.Door.GRPC, Admission.Reason.QUEUE_FULL)).isEqualTo(1);
        assertThat(waiter).isNotDone();

        held.close();
        held.close(); // a second close must not free a second slot
        Admission.Permit next = waiter.get(30, TimeUnit.SECONDS);
        assertThat(admission.inFlight()).isEqualTo(1);
        assertThat(admission.queued()).isZero();
        next.close();
        assertThat(admission.inFlight()).isZero();
    }

    @Test
    void withoutAQueueASaturatedRouterRefusesAtOnce() {
        Admission admission = admission(2, 0, Duration.ofMinutes(1));
        Admission.Permit a = admission.admit(Admission.Door.HTTP);
        Admission.Permit b = admission.admit(Admission.Door.GRPC);

        assertThat(catchThrowableOfType(AdmissionRefusedException.class,
                () -> admission.admit(Admission.Door.HTTP)).reason()).isEqualTo(Admission.Reason.QUEUE_FULL);
        a.close();
        b.close();
        assertThat(admission.inFlight()).isZero();
    }
}
