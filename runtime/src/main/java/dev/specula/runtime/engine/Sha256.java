package dev.specula.runtime.engine;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 instances (every JVM provides the algorithm, so its absence is a broken JVM, not a checked case). */
final class Sha256 {
    static final String ALGORITHM = "SHA-256";

    private Sha256() {
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }
}
