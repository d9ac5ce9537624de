package dev.specula.router.plan;

/** What a request asks the mesh to run. */
public enum RequestMode {
    /** Lossless speculative decoding: drafter proposes, verifier checks. The default. */
    SPECULATIVE,
    /** The verifier decodes alone: the baseline and the fallback when no drafter is reachable. */
    TARGET_ONLY,
    /** The small model alone. */
    DRAFT_ONLY,
    /** Lossy, opt-in: the small model's tokens commit unverified while its rolling entropy stays low. */
    ENTROPY_ADAPTIVE,
    /** The small model answers; an unsure answer escalates to the verifier as one long draft. */
    CASCADE;

    /** True when a drafter service runs the mode (so an unreachable drafter may fall back to the verifier). */
    public boolean needsDrafter() {
        return this != TARGET_ONLY;
    }
}
