package dev.specula.kvstore.block;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C as the wire carries it: the low 32 bits of {@link CRC32C}, in a proto {@code fixed32} (a Java int). */
public final class Checksums {

    private Checksums() {
    }

    /** Checksum of the buffer's remaining bytes; the buffer's position is left untouched. */
    public static int crc32c(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate());
        return (int) crc.getValue();
    }

    public static int crc32c(byte[] bytes) {
        return crc32c(ByteBuffer.wrap(bytes));
    }
}
