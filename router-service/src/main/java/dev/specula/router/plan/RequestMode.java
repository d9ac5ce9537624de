package dev.specula.router.plan;

/** What a request asks the mesh to run. */
public enum RequestMode {
    /** Lossless speculative decoding: drafter proposes, verifier checks. The default. */
    SPECULATIVE,
    /** The verifier decodes alone: the baseline and the fallback when no drafter is reachable. */
    TARGET_ONLY,
    /** The small model alone. */
    DRAFT_ONLY
}
