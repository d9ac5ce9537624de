package dev.specula.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Feeds values to a digest in a canonical, length-prefixed encoding, so that no two different value sequences
 * produce the same byte stream (RELIABILITY.md #15: e.g. tokens [1, 23] and [12, 3] never hash alike, nor does a
 * salt that ends where a token list begins). Integers are big-endian; strings and byte arrays carry their length.
 */
final class CanonicalWriter {
    private final MessageDigest digest;
    private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES);

    CanonicalWriter(MessageDigest digest) {
        this.digest = digest;
    }

    void intValue(int value) {
        scratch.clear();
        digest.update(scratch.putInt(value).array(), 0, Integer.BYTES);
    }

    void longValue(long value) {
        scratch.clear();
        digest.update(scratch.putLong(value).array(), 0, Long.BYTES);
    }

    void bytes(byte[] value) {
        intValue(value.length);
        digest.update(value);
    }

    void string(String value) {
        bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** A token run: its length, then each id. */
    void tokens(int[] tokens, int from, int to) {
        intValue(to - from);
        ByteBuffer buffer = ByteBuffer.allocate((to - from) * Integer.BYTES);
        for (int i = from; i < to; i++) {
            buffer.putInt(tokens[i]);
        }
        digest.update(buffer.array());
    }

    void hash(Hash256 value) {
        longValue(value.w0());
        longValue(value.w1());
        longValue(value.w2());
        longValue(value.w3());
    }
}
