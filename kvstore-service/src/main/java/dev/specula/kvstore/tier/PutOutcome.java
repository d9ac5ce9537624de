package dev.specula.kvstore.tier;

/** What a put did: wrote new bytes, or found the key already stored and left it as it was. */
public enum PutOutcome {
    STORED,
    EXISTING
}
