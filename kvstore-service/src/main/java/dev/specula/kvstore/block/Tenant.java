package dev.specula.kvstore.block;

import dev.specula.service.error.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A namespace of blocks. Every key carries its tenant, so one tenant can never read, probe, overwrite or delete
 * another's blocks, even when both store the same chain hash (RELIABILITY.md #14).
 *
 * @param name 1..128 characters without control characters; the wire's empty string means {@link #DEFAULT}
 */
public record Tenant(String name) {

    public static final int MAX_LENGTH = 128;
    public static final Tenant DEFAULT = new Tenant("default");

    public Tenant {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new InvalidRequestException("tenant must be 1.." + MAX_LENGTH + " characters, got " + name.length());
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("tenant must not contain control characters");
        }
    }

    /** The tenant a request names; the proto3 default (empty) is the shared "default" namespace. */
    public static Tenant of(String wireName) {
        return wireName == null || wireName.isEmpty() ? DEFAULT : new Tenant(wireName);
    }

    /**
     * 32 hex digits of SHA-256(name): a stand-in for the name where only safe characters may appear (directory names,
     * Redis keys). Two tenants sharing a digest would only share a directory or key prefix; records still carry the
     * full name and are refused under any other tenant.
     */
    public String digest() {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
