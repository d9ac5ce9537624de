package dev.specula.router.admission;

import dev.specula.service.error.OverloadedException;

/**
 * The router is saturated: every slot is taken and the queue is full, or the request waited its whole queue
 * timeout. RESOURCE_EXHAUSTED on gRPC (as every {@link OverloadedException}); 503 + Retry-After on HTTP, since the
 * pool, not the caller's quota, is the limit.
 */
public final class AdmissionRefusedException extends OverloadedException {
    private final Admission.Reason reason;

    AdmissionRefusedException(Admission.Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Admission.Reason reason() {
        return reason;
    }

    /** Seconds a client should wait before retrying. */
    public long retryAfterSeconds() {
        return 1;
    }
}
