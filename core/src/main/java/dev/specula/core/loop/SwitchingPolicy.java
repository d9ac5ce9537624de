package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;

/**
 * Decides which drafted tokens the loop may commit without verification. Lossless modes verify everything
 * ({@link AlwaysVerify}); the opt-in entropy-adaptive mode trusts the small model while it is certain. Unverified
 * tokens reach the verifier as unchecked context with the next verification, so the verifier never has to agree
 * with them. Policies are per generation and draw no random numbers.
 */
public interface SwitchingPolicy {

    /** How many leading tokens of {@code draft} to commit unverified: 0..{@code draft.length()}. */
    int unverifiedPrefix(Draft draft);

    /** Learns from one verified round: the draft that went to the verifier and its verdict. */
    default void observe(Draft verified, Verdict verdict) {
    }
}
