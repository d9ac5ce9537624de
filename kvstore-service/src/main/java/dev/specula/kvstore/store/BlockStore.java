package dev.specula.kvstore.store;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.kvstore.tier.PutOutcome;
import dev.specula.kvstore.tier.TenantUsage;
import dev.specula.kvstore.tier.TierUsage;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store the gRPC adapter talks to: validates writes, verifies checksums on every read, and counts hits, misses
 * and corrupt blocks. Tiers are ordered fastest first; writes go to the first, reads take the first tier that holds
 * the key. Only the memory tier exists today; promotion and write-back between tiers come with the disk tier.
 */
public final class BlockStore {

    private static final Logger log = LoggerFactory.getLogger(BlockStore.class);

    private final List<BlockTier> tiers;
    private final StoreLimits limits;
    private final BlockValidator validator;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder corrupt = new LongAdder();

    public BlockStore(List<BlockTier> tiers, StoreLimits limits) {
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("a store needs at least one tier");
        }
        this.tiers = List.copyOf(tiers);
        this.limits = limits;
        this.validator = new BlockValidator(limits, this.tiers.get(0));
    }

    public StoreLimits limits() {
        return limits;
    }

    /**
     * Stores a batch. All blocks are validated before any is written, so a refused request leaves nothing behind.
     *
     * @throws dev.specula.service.error.InvalidRequestException naming the first bad block
     */
    public PutSummary put(List<Block> blocks) {
        limits.checkCount(blocks.size(), "blocks");
        for (int i = 0; i < blocks.size(); i++) {
            validator.check(blocks.get(i), i);
        }
        int stored = 0;
        for (Block block : blocks) {
            if (tiers.get(0).put(block) == PutOutcome.STORED) {
                stored++;
            }
        }
        return new PutSummary(stored, blocks.size() - stored);
    }

    /** The block if a tier holds it intact. A corrupt copy counts as a miss and is removed, never served. */
    public Optional<Block> get(BlockKey key) {
        for (BlockTier tier : tiers) {
            Optional<Block> found = tier.get(key);
            if (found.isEmpty()) {
                continue;
            }
            if (found.get().intact()) {
                hits.increment();
                return found;
            }
            corrupt.increment();
            tier.remove(key);
            log.warn("checksum mismatch in {} tier for block {}; removed it and reported a miss", tier.name(), key);
        }
        misses.increment();
        return Optional.empty();
    }

    /**
     * How many leading keys of a hash chain are stored: keys[0 .. n) are all present. Presence only; the payloads
     * are verified when they are read, and a corrupt one then turns into a miss the caller recomputes.
     */
    public int lookupPrefix(List<BlockKey> chain) {
        limits.checkCount(chain.size(), "keys");
        int prefix = 0;
        while (prefix < chain.size() && contains(chain.get(prefix))) {
            prefix++;
        }
        return prefix;
    }

    /** Removes the keys from every tier; returns how many were present. */
    public int delete(List<BlockKey> keys) {
        limits.checkCount(keys.size(), "keys");
        int deleted = 0;
        for (BlockKey key : keys) {
            boolean removed = false;
            for (BlockTier tier : tiers) {
                removed |= tier.remove(key);
            }
            deleted += removed ? 1 : 0;
        }
        return deleted;
    }

    public StoreStats stats(Tenant tenant) {
        long blocks = 0;
        long bytes = 0;
        for (BlockTier tier : tiers) {
            TenantUsage usage = tier.usage(tenant);
            blocks += usage.blocks();
            bytes += usage.bytes();
        }
        TierUsage total = totalUsage();
        return new StoreStats(blocks, bytes, total.capacityBytes(), hits.sum(), misses.sum(), total.evictions());
    }

    public List<BlockTier> tiers() {
        return tiers;
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public long corrupt() {
        return corrupt.sum();
    }

    private boolean contains(BlockKey key) {
        for (BlockTier tier : tiers) {
            if (tier.contains(key)) {
                return true;
            }
        }
        return false;
    }

    private TierUsage totalUsage() {
        long blocks = 0;
        long bytes = 0;
        long capacity = 0;
        long evictions = 0;
        for (BlockTier tier : tiers) {
            TierUsage usage = tier.usage();
            blocks += usage.blocks();
            bytes += usage.bytes();
            capacity += usage.capacityBytes();
            evictions += usage.evictions();
        }
        return new TierUsage(blocks, bytes, capacity, evictions);
    }
}
