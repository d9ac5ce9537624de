package dev.specula.verifier.kvstore;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C as the KV store's wire carries it: the low 32 bits in a proto {@code fixed32} (a Java int). */
final class Crc32c {
    private Crc32c() {
    }

    static int of(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    static int of(ByteString bytes) {
        CRC32C crc = new CRC32C();
        for (ByteBuffer buffer : bytes.asReadOnlyByteBufferList()) {
            crc.update(buffer);
        }
        return (int) crc.getValue();
    }
}
