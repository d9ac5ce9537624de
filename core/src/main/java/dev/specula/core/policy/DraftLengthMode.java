package dev.specula.core.policy;

/** How a request's draft lengths are chosen. */
public enum DraftLengthMode {
    /** The same k every round (the baseline). */
    FIXED,
    /** {@link AdaptiveDraftLength}: a load-aware goodput cap and the calibrated threshold stop rule. */
    ADAPTIVE
}
