package dev.specula.kvstore.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.block.TestBlocks;
import dev.specula.service.error.OverloadedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryTierTest {

    private static final int PAGE = 1024;
    private static final Tenant TENANT = new Tenant("t");

    private final TestBlocks data = new TestBlocks(7);
    private final MemoryTier tier = new MemoryTier(8 * PAGE, PAGE);

    @Test
    void storesOnceAndRoundTripsPayload() {
        Block block = data.block(data.key(TENANT), 1500);

        assertThat(tier.put(block)).isEqualTo(PutOutcome.STORED);
        assertThat(tier.put(block)).isEqualTo(PutOutcome.EXISTING);
        assertThat(tier.get(block.key())).contains(block);
        assertThat(tier.usage()).isEqualTo(new TierUsage(1, 1500, 8 * PAGE, 0));
    }

    @Test
    void evictsLeastRecentlyUsedAndNeverExceedsBudget() {
        List<BlockKey> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // 4 blocks x 2 pages fill all 8 pages
            BlockKey key = data.key(TENANT);
            keys.add(key);
            tier.put(data.block(key, 2 * PAGE));
        }
        tier.get(keys.get(0)); // now keys[1] is the least recently used
        tier.contains(keys.get(2)); // a lookup counts as a use too

        tier.put(data.block(data.key(TENANT), 2 * PAGE));
        tier.put(data.block(data.key(TENANT), PAGE + 1));

        assertThat(tier.contains(keys.get(1))).isFalse();
        assertThat(tier.contains(keys.get(3))).isFalse();
        assertThat(tier.contains(keys.get(0))).isTrue();
        assertThat(tier.contains(keys.get(2))).isTrue();
        TierUsage usage = tier.usage();
        assertThat(usage.evictions()).isEqualTo(2);
        assertThat(usage.blocks()).isEqualTo(4);
        assertThat(usage.bytes()).isLessThanOrEqualTo(usage.capacityBytes());
    }

    @Test
    void evictedBlocksAreHandedBackWholeOnlyWhenAskedFor() {
        Block first = data.block(data.key(TENANT), 3 * PAGE);
        Block second = data.block(data.key(TENANT), 3 * PAGE);
        Block third = data.block(data.key(TENANT), 4 * PAGE);
        Block fourth = data.block(data.key(TENANT), 2 * PAGE);
        tier.put(first);
        tier.put(second);

        PutResult collected = tier.put(third, true);
        PutResult dropped = tier.put(fourth, false);

        assertThat(collected.outcome()).isEqualTo(PutOutcome.STORED);
        assertThat(collected.evicted()).containsExactly(first);
        assertThat(dropped.evicted()).isEmpty();
        assertThat(tier.contains(second.key())).isFalse();
        assertThat(tier.volatileKeys()).as("least recent first").containsExactly(third.key(), fourth.key());
    }

    @Test
    void aBlockLargerThanTheWholeBudgetIsRefusedWithoutEvictingAnything() {
        BlockKey kept = data.key(TENANT);
        tier.put(data.block(kept, 100));

        assertThat(tier.fits(8 * PAGE)).isTrue();
        assertThat(tier.fits(8 * PAGE + 1)).isFalse();
        assertThatThrownBy(() -> tier.put(data.block(data.key(TENANT), 8 * PAGE + 1)))
                .isInstanceOf(OverloadedException.class);
        assertThat(tier.contains(kept)).isTrue();
    }

    @Test
    void tenantsAreSeparateNamespacesWithSeparateUsage() {
        byte[] hash = data.hash();
        Tenant other = new Tenant("other");
        tier.put(data.block(BlockKey.of(TENANT, hash), 100));

        assertThat(tier.get(BlockKey.of(other, hash))).isEmpty();
        assertThat(tier.remove(BlockKey.of(other, hash))).isFalse();
        assertThat(tier.put(data.block(BlockKey.of(other, hash), 300))).isEqualTo(PutOutcome.STORED);

        assertThat(tier.usage(TENANT)).isEqualTo(new TenantUsage(1, 100));
        assertThat(tier.usage(other)).isEqualTo(new TenantUsage(1, 300));
        assertThat(tier.get(BlockKey.of(TENANT, hash)).orElseThrow().size()).isEqualTo(100);
        tier.remove(BlockKey.of(other, hash));
        assertThat(tier.usage(other)).isEqualTo(TenantUsage.NONE);
    }

    @Test
    void corruptionHookChangesStoredBytes() {
        Block block = data.block(data.key(TENANT), 3000);
        tier.put(block);

        assertThat(tier.corrupt(block.key(), 2500)).isTrue();

        Block read = tier.get(block.key()).orElseThrow();
        assertThat(read.intact()).isFalse();
        assertThat(read.crc32c()).isEqualTo(block.crc32c());
    }
}
