package dev.specula.router.admission;

import dev.specula.router.auth.QuotaExceededException;

/**
 * The caller's tenant is over its admission quota (requests running or queued, or prompt bytes queued), while the
 * router may still have room for other tenants: 429 + Retry-After on HTTP, RESOURCE_EXHAUSTED with a
 * {@code retry-after} trailer on gRPC, as any {@link QuotaExceededException}.
 */
public final class TenantQuotaExceededException extends QuotaExceededException {
    private final Admission.Reason reason;

    TenantQuotaExceededException(Admission.Reason reason, String message) {
        super(message, 1);
        this.reason = reason;
    }

    public Admission.Reason reason() {
        return reason;
    }
}
