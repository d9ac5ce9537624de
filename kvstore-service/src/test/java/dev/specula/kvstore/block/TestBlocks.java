package dev.specula.kvstore.block;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/** Seeded test data: random 32-byte keys and payloads with their correct CRC32C. */
public final class TestBlocks {

    private final SplittableRandom random;

    public TestBlocks(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public byte[] hash() {
        return bytes(BlockKey.HASH_BYTES);
    }

    public BlockKey key(Tenant tenant) {
        return BlockKey.of(tenant, hash());
    }

    public byte[] bytes(int size) {
        byte[] out = new byte[size];
        random.nextBytes(out);
        return out;
    }

    /** An fp16 block of {@code size} random bytes covering 16 tokens, with a correct checksum. */
    public Block block(BlockKey key, int size) {
        byte[] payload = bytes(size);
        return new Block(key, "fp16", 16, Checksums.crc32c(payload), ByteBuffer.wrap(payload));
    }
}
