package dev.specula.kvstore.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Checksums;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.block.TestBlocks;
import dev.specula.kvstore.tier.MemoryTier;
import dev.specula.kvstore.tier.TierCorruption;
import dev.specula.service.error.InvalidRequestException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockStoreTest {

    private static final Tenant TENANT = new Tenant("t");

    private final TestBlocks data = new TestBlocks(11);
    private final MemoryTier memory = new MemoryTier(64 * 1024, 1024);
    private final BlockStore store = new BlockStore(List.of(memory), new StoreLimits(16 * 1024, 8));

    @Test
    void putReportsStoredAndExisting() {
        Block a = data.block(data.key(TENANT), 100);
        Block b = data.block(data.key(TENANT), 200);

        assertThat(store.put(List.of(a))).isEqualTo(new PutSummary(1, 0));
        assertThat(store.put(List.of(a, b))).isEqualTo(new PutSummary(1, 1));
    }

    @Test
    void aRefusedBatchStoresNothing() {
        Block good = data.block(data.key(TENANT), 100);
        Block bad = withCrc(data.block(data.key(TENANT), 100), 42);

        assertThatThrownBy(() -> store.put(List.of(good, bad)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("blocks[1]: crc32c mismatch");
        assertThat(store.lookupPrefix(List.of(good.key()))).isZero();
    }

    @Test
    void getCountsHitsAndMisses() {
        Block block = data.block(data.key(TENANT), 100);
        store.put(List.of(block));

        assertThat(store.get(block.key())).contains(block);
        assertThat(store.get(data.key(TENANT))).isEmpty();
        assertThat(store.hits()).isEqualTo(1);
        assertThat(store.misses()).isEqualTo(1);
    }

    @Test
    void aCorruptBlockIsAMissAndIsRemoved() {
        Block block = data.block(data.key(TENANT), 5000);
        store.put(List.of(block));
        TierCorruption.flipByte(memory, block.key(), 4321);

        assertThat(store.get(block.key())).isEmpty();

        assertThat(store.misses()).isEqualTo(1);
        assertThat(store.corrupt()).isEqualTo(1);
        assertThat(memory.contains(block.key())).isFalse();
        assertThat(store.stats(TENANT).blocks()).isZero();
    }

    @Test
    void lookupPrefixCountsLeadingStoredKeys() {
        List<BlockKey> chain = List.of(data.key(TENANT), data.key(TENANT), data.key(TENANT), data.key(TENANT));
        store.put(List.of(data.block(chain.get(0), 10), data.block(chain.get(1), 10), data.block(chain.get(3), 10)));

        assertThat(store.lookupPrefix(chain)).isEqualTo(2);
        assertThat(store.lookupPrefix(chain.subList(3, 4))).isEqualTo(1);
        assertThat(store.lookupPrefix(chain.subList(2, 4))).isZero();
        assertThat(store.lookupPrefix(List.of())).isZero();
    }

    @Test
    void deleteCountsOnlyPresentKeys() {
        Block a = data.block(data.key(TENANT), 10);
        Block b = data.block(data.key(TENANT), 10);
        store.put(List.of(a, b));

        assertThat(store.delete(List.of(a.key(), data.key(TENANT)))).isEqualTo(1);
        assertThat(store.lookupPrefix(List.of(b.key()))).isEqualTo(1);
        assertThat(store.lookupPrefix(List.of(a.key()))).isZero();
    }

    @Test
    void statsAreTheTenantsOwnBlocksWithStoreWideCapacity() {
        store.put(List.of(data.block(data.key(TENANT), 100), data.block(data.key(new Tenant("u")), 300)));

        StoreStats stats = store.stats(TENANT);

        assertThat(stats.blocks()).isEqualTo(1);
        assertThat(stats.bytes()).isEqualTo(100);
        assertThat(stats.capacityBytes()).isEqualTo(64 * 1024);
    }

    @Test
    void validationNamesTheFieldAndTheReason() {
        BlockKey key = data.key(TENANT);
        byte[] payload = data.bytes(100);
        assertRefused(block(key, "bf16", 16, payload), "blocks[0]: unknown codec 'bf16'");
        assertRefused(block(key, "fp32", 0, payload), "token_count must be positive, got 0");
        assertRefused(block(key, "fp32", -3, payload), "token_count must be positive, got -3");
        assertRefused(block(key, "fp32", 16, new byte[0]), "payload is empty");
        assertRefused(block(key, "fp32", 16, data.bytes(16 * 1024 + 1)), "exceeds the 16384-byte block limit");
        assertRefused(withCrc(block(key, "fp32", 16, payload), 1), "crc32c mismatch");
        assertThatThrownBy(() -> store.put(Collections.nCopies(9, block(key, "fp32", 16, payload))))
                .hasMessageContaining("too many blocks in one request: 9 > 8");
        assertThatThrownBy(() -> store.lookupPrefix(Collections.nCopies(9, key)))
                .hasMessageContaining("too many keys in one request: 9 > 8");
    }

    @Test
    void aBlockLargerThanTheBudgetIsInvalidNotOverloaded() {
        BlockStore small = new BlockStore(List.of(new MemoryTier(4096, 1024)), new StoreLimits(1 << 20, 8));

        assertThatThrownBy(() -> small.put(List.of(data.block(data.key(TENANT), 4097))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("exceeds the memory budget of 4096 bytes");
    }

    private void assertRefused(Block block, String message) {
        assertThatThrownBy(() -> store.put(List.of(block)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(message);
    }

    private static Block block(BlockKey key, String codec, int tokens, byte[] payload) {
        return new Block(key, codec, tokens, Checksums.crc32c(payload),
                ByteBuffer.wrap(payload));
    }

    private static Block withCrc(Block block, int crc) {
        return new Block(block.key(), block.codec(), block.tokenCount(), crc, block.payload());
    }
}
