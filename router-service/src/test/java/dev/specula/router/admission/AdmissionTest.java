package dev.specula.router.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The admission gate on its own: queue bound, queue timeout, hand-over order, permit release, tenant quotas. */
class AdmissionTest {

    private static Admission admission(int inFlight, int queued, Duration timeout) {
        return new Admission(AdmissionProperties.global(inFlight, queued, timeout), new SimpleMeterRegistry());
    }

    private static Admission.Permit admit(Admission admission, Admission.Door door) {
        return admission.admit(door, "default", 64);
    }

    @Test
    void aRequestStillQueuedAtTheTimeoutIsRefusedAndLeavesTheQueue() {
        Admission admission = admission(1, 1, Duration.ofMillis(50));
        Admission.Permit held = admit(admission, Admission.Door.GRPC);

        AdmissionRefusedException refused = catchThrowableOfType(AdmissionRefusedException.class,
                () -> admit(admission, Admission.Door.HTTP));

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
        Admission.Permit held = admit(admission, Admission.Door.GRPC);
        CompletableFuture<Admission.Permit> waiter =
                CompletableFuture.supplyAsync(() -> admit(admission, Admission.Door.GRPC));
        await().until(() -> admission.queued() == 1);

        AdmissionRefusedException refused = catchThrowableOfType(AdmissionRefusedException.class,
                () -> admit(admission, Admission.Door.GRPC));
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
        Admission.Permit a = admit(admission, Admission.Door.HTTP);
        Admission.Permit b = admit(admission, Admission.Door.GRPC);

        assertThat(catchThrowableOfType(AdmissionRefusedException.class,
                () -> admit(admission, Admission.Door.HTTP)).reason()).isEqualTo(Admission.Reason.QUEUE_FULL);
        a.close();
        b.close();
        assertThat(admission.inFlight()).isZero();
    }

    private static Admission tenantAdmission(int inFlight, int queued, Duration timeout) {
        return new Admission(new AdmissionProperties(inFlight, queued, timeout, 2, DataSize.ofBytes(1000),
                Map.of("big", new AdmissionProperties.TenantLimits(3, null))), new SimpleMeterRegistry());
    }

    @Test
    void aTenantAtItsQuotaIsRefusedWhileAnotherIsAdmittedAndAnOverrideRaisesIt() {
        Admission admission = tenantAdmission(8, 8, Duration.ofMinutes(1));
        Admission.Permit a1 = admission.admit(Admission.Door.HTTP, "a", 100);
        Admission.Permit a2 = admission.admit(Admission.Door.GRPC, "a", 100);

        TenantQuotaExceededException refused = catchThrowableOfType(TenantQuotaExceededException.class,
                () -> admission.admit(Admission.Door.HTTP, "a", 100));
        assertThat(refused.reason()).isEqualTo(Admission.Reason.TENANT_REQUESTS);
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.getMessage()).contains("tenant quota").contains("tenant a");
        assertThat(admission.tenantRefused("a", Admission.Reason.TENANT_REQUESTS)).isEqualTo(1);
        assertThat(admission.refused(Admission.Door.HTTP, Admission.Reason.TENANT_REQUESTS)).isEqualTo(1);
        assertThat(admission.tenantRequests("a")).isEqualTo(2);
        assertThat(admission.inFlight()).as("the refused request took no slot").isEqualTo(2);

        Admission.Permit b = admission.admit(Admission.Door.HTTP, "b", 100);
        List<Admission.Permit> big = List.of(admission.admit(Admission.Door.HTTP, "big", 1),
                admission.admit(Admission.Door.HTTP, "big", 1), admission.admit(Admission.Door.HTTP, "big", 1));
        assertThat(catchThrowableOfType(TenantQuotaExceededException.class,
                () -> admission.admit(Admission.Door.HTTP, "big", 1)).reason())
                .as("the override allows 3, not 2").isEqualTo(Admission.Reason.TENANT_REQUESTS);

        a1.close();
        a1.close();
        assertThat(admission.tenantRequests("a")).as("closed twice, counted once").isEqualTo(1);
        admission.admit(Admission.Door.HTTP, "a", 100).close();
        a2.close();
        b.close();
        big.forEach(Admission.Permit::close);
        assertThat(admission.inFlight()).isZero();
        assertThat(admission.tenantRequests("a")).isZero();
    }

    @Test
    void aTenantsQueuedPromptBytesAreBoundedAndARunningPromptCountsNothing() throws Exception {
        Admission admission = tenantAdmission(1, 8, Duration.ofMinutes(1));
        Admission.Permit running = admission.admit(Admission.Door.GRPC, "b", 5000);
        CompletableFuture<Admission.Permit> waiter =
                CompletableFuture.supplyAsync(() -> admission.admit(Admission.Door.HTTP, "a", 600));
        await().until(() -> admission.queued() == 1);
        assertThat(admission.tenantQueuedBytes("a")).isEqualTo(600);
        assertThat(admission.tenantQueuedBytes("b")).as("running, not queued").isZero();

        TenantQuotaExceededException refused = catchThrowableOfType(TenantQuotaExceededException.class,
                () -> admission.admit(Admission.Door.HTTP, "a", 401));
        assertThat(refused.reason()).isEqualTo(Admission.Reason.TENANT_QUEUED_BYTES);
        assertThat(admission.tenantQueuedBytes("a")).isEqualTo(600);
        assertThat(admission.tenantRequests("a")).isEqualTo(1);
        assertThat(admission.queued()).isEqualTo(1);

        running.close();
        Admission.Permit next = waiter.get(30, TimeUnit.SECONDS);
        assertThat(admission.tenantQueuedBytes("a")).as("admitted: its prompt left the queue").isZero();
        next.close();
    }

    @Test
    void aTenantsRequestStillQueuedAtTheTimeoutIsRefusedAndReleasesItsQuota() {
        Admission admission = tenantAdmission(1, 8, Duration.ofMillis(50));
        Admission.Permit held = admission.admit(Admission.Door.GRPC, "b", 10);

        AdmissionRefusedException refused = catchThrowableOfType(AdmissionRefusedException.class,
                () -> admission.admit(Admission.Door.HTTP, "a", 900));

        assertThat(refused.reason()).as("the pool, not the tenant, was the limit").isEqualTo(
                Admission.Reason.QUEUE_TIMEOUT);
        assertThat(admission.tenantQueuedBytes("a")).isZero();
        assertThat(admission.tenantRequests("a")).isZero();
        held.close();
        admission.admit(Admission.Door.HTTP, "a", 900).close();
    }
}
