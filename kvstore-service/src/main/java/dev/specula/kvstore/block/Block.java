package dev.specula.kvstore.block;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One KV-cache block: opaque payload bytes in a named codec, covering {@code tokenCount} tokens.
 *
 * @param crc32c  CRC32C of the payload as the writer computed it; the store checks it on write and on every read
 * @param payload the bytes from the position on; {@link #payload()} hands out independent read-only duplicates
 */
public record Block(BlockKey key, String codec, int tokenCount, int crc32c, ByteBuffer payload) {

    public Block {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(codec, "codec");
        payload = payload.slice();
    }

    /**
     * A read-only duplicate, so a reader moving its position never disturbs another reader or the record's equality,
     * and no reader can change the bytes.
     */
    @Override
    public ByteBuffer payload() {
        return payload.asReadOnlyBuffer();
    }

    /**
     * A duplicate that keeps the access of the buffer the block was made from: a block read into a fresh heap array
     * can then be wrapped by the gRPC edge without a copy (protobuf copies read-only buffers). Never write to it.
     */
    public ByteBuffer sharedPayload() {
        return payload.duplicate();
    }

    public int size() {
        return payload.remaining();
    }

    /** True when the payload still hashes to the checksum it was written with. */
    public boolean intact() {
        return Checksums.crc32c(payload) == crc32c;
    }
}
