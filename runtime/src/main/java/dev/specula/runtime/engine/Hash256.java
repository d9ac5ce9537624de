package dev.specula.runtime.engine;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * A 256-bit SHA-256 value held as four longs, so equality always compares all 256 bits (RELIABILITY.md #15: a
 * truncated hash is at most a hint, never a key). Used for block chain keys and model fingerprints.
 */
public record Hash256(long w0, long w1, long w2, long w3) {
    public static final int BYTES = 32;
    /** The parent of a chain's first block. */
    public static final Hash256 ZERO = new Hash256(0, 0, 0, 0);

    public static Hash256 of(byte[] digest) {
        if (digest.length != BYTES) {
            throw new IllegalArgumentException("a 256-bit hash has 32 bytes, got " + digest.length);
        }
        ByteBuffer in = ByteBuffer.wrap(digest);
        return new Hash256(in.getLong(), in.getLong(), in.getLong(), in.getLong());
    }

    /** Big-endian bytes: the digest as SHA-256 produced it (and as the KV store's keys carry it). */
    public byte[] bytes() {
        return ByteBuffer.allocate(BYTES).putLong(w0).putLong(w1).putLong(w2).putLong(w3).array();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes());
    }

    @Override
    public String toString() {
        return hex().substring(0, 16) + "…";
    }
}
