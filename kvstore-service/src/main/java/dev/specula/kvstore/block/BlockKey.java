package dev.specula.kvstore.block;

import dev.specula.service.error.InvalidRequestException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where a block lives: its tenant plus the 32-byte SHA-256 chain hash that names it. The hash is held as four longs so
 * that equality always compares all 256 bits (never a truncated prefix, RELIABILITY.md #15) without an array field.
 */
public record BlockKey(Tenant tenant, long h0, long h1, long h2, long h3) {

    public static final int HASH_BYTES = 32;

    public BlockKey {
        Objects.requireNonNull(tenant, "tenant");
    }

    /**
     * @param hash exactly {@value #HASH_BYTES} bytes, big-endian into h0..h3
     * @throws InvalidRequestException for any other length
     */
    public static BlockKey of(Tenant tenant, byte[] hash) {
        if (hash.length != HASH_BYTES) {
            throw new InvalidRequestException("key must be " + HASH_BYTES + " bytes (SHA-256), got " + hash.length);
        }
        ByteBuffer words = ByteBuffer.wrap(hash);
        return new BlockKey(tenant, words.getLong(), words.getLong(), words.getLong(), words.getLong());
    }

    /** The 32 hash bytes as sent by the client (a fresh array). */
    public byte[] hash() {
        return ByteBuffer.allocate(HASH_BYTES).putLong(h0).putLong(h1).putLong(h2).putLong(h3).array();
    }

    /** Tenant and the first 8 hash bytes: enough to recognise a block in a log line. */
    @Override
    public String toString() {
        return tenant + "/" + HexFormat.of().toHexDigits(h0) + "…";
    }
}
