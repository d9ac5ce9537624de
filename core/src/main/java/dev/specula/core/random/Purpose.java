package dev.specula.core.random;

/** Why a random number is drawn; part of the generator's key so that streams never overlap. */
public enum Purpose {
    /** Drawing a drafted token from the draft distribution. */
    DRAFT,
    /** The accept test of a drafted token. */
    ACCEPT,
    /** Sampling the recovered token after a rejection. */
    RECOVER,
    /** Sampling the bonus token after full acceptance, or a plain decoding step. */
    BONUS
}
