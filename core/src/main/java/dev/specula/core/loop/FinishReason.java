package dev.specula.core.loop;

/** Why a generation ended. */
public enum FinishReason {
    /** A stop token was generated. */
    STOP,
    /** The token budget was reached. */
    LENGTH,
    /** The token sink asked to stop (client went away). */
    CANCELLED
}
