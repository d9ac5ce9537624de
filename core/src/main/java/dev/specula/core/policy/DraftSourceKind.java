package dev.specula.core.policy;

/** Where a request's drafts come from. */
public enum DraftSourceKind {
    /** The draft model. */
    MODEL,
    /** Prompt lookup over the committed sequence: no model at all. */
    NGRAM,
    /** Prompt lookup when a long enough match exists and it has been paying off, else the draft model. */
    HYBRID,
    /** No drafts: target-only or draft-only decoding. */
    NONE
}
