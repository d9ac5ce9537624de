package dev.specula.kvstore.store;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.kvstore.tier.PutOutcome;
import dev.specula.kvstore.tier.PutResult;
import dev.specula.kvstore.tier.TenantUsage;
import dev.specula.kvstore.tier.TierUsage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store the gRPC adapter talks to: validates writes, verifies checksums on every read, and moves blocks between
 * tiers. Tiers are ordered fastest first (memory, disk, Redis).
 *
 * <ul>
 *   <li>Writes go to the first tier. What it evicts is demoted into the next tier that takes it, and so on down;
 *       the last tier drops what it evicts. A degraded tier is skipped, not waited for.</li>
 *   <li>Reads take the first tier holding an intact copy. A hit below the first tier is promoted (copied) into the
 *       first, so a block read once is served from memory next time; its lower copy stays, which makes its next
 *       demotion free.</li>
 *   <li>A copy whose CRC32C does not match is a miss: it is removed from its tier and the next tier is tried.</li>
 *   <li>On close, blocks only the memory tier holds are demoted (within {@code flushTimeout}), so a restart of a
 *       store with a disk tier keeps them.</li>
 * </ul>
 * Lower tiers never fail a request: their errors are misses or skipped copies (and are counted by the tiers).
 */
public final class BlockStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BlockStore.class);

    private final List<BlockTier> tiers;
    private final List<TierCounters> counters;
    private final StoreLimits limits;
    private final Duration flushTimeout;
    private final BlockValidator validator;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private boolean closed;

    /** A store that does not flush on close (a single tier has nowhere to flush to). */
    public BlockStore(List<BlockTier> tiers, StoreLimits limits) {
        this(tiers, limits, Duration.ZERO);
    }

    /** @param flushTimeout how long {@link #close()} may spend demoting memory-only blocks; zero skips the flush */
    public BlockStore(List<BlockTier> tiers, StoreLimits limits, Duration flushTimeout) {
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("a store needs at least one tier");
        }
        this.tiers = List.copyOf(tiers);
        this.counters = this.tiers.stream().map(t -> new TierCounters()).toList();
        this.limits = limits;
        this.flushTimeout = flushTimeout;
        this.validator = new BlockValidator(limits, this.tiers.get(0));
    }

    public StoreLimits limits() {
        return limits;
    }

    /**
     * Stores a batch in the first tier. All blocks are validated before any is written, so a refused request leaves
     * nothing behind.
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
            PutResult result = tiers.get(0).put(block, hasLower(0));
            demoteAll(1, result.evicted());
            if (result.outcome() == PutOutcome.STORED) {
                stored++;
            }
        }
        return new PutSummary(stored, blocks.size() - stored);
    }

    /** The block if a tier holds it intact. A corrupt copy counts as a miss and is removed, never served. */
    public Optional<Block> get(BlockKey key) {
        for (int level = 0; level < tiers.size(); level++) {
            BlockTier tier = tiers.get(level);
            Optional<Block> found = guarded(level, () -> tier.get(key), Optional.empty());
            if (found.isEmpty()) {
                continue;
            }
            if (!found.get().intact()) {
                corrupt.increment();
                counters.get(level).corrupt.increment();
                guarded(level, () -> tier.remove(key), false);
                log.warn("checksum mismatch in {} tier for block {}; removed it and reported a miss", tier.name(), key);
                continue;
            }
            hits.increment();
            counters.get(level).hits.increment();
            if (level > 0) {
                promote(level, found.get());
            }
            return found;
        }
        misses.increment();
        return Optional.empty();
    }

    /**
     * How many leading keys of a hash chain are stored: keys[0 .. n) are each present in some tier. Presence only;
     * the payloads are verified when they are read, and a corrupt one then turns into a miss the caller recomputes.
     * Each tier answers a run of keys at once, so a remote tier costs one round trip per run, not per key.
     */
    public int lookupPrefix(List<BlockKey> chain) {
        limits.checkCount(chain.size(), "keys");
        int prefix = 0;
        search:
        while (prefix < chain.size()) {
            List<BlockKey> rest = chain.subList(prefix, chain.size());
            for (int level = 0; level < tiers.size(); level++) {
                BlockTier tier = tiers.get(level);
                int run = guarded(level, () -> tier.presentPrefix(rest), 0);
                if (run > 0) {
                    prefix += run;
                    continue search;
                }
            }
            break;
        }
        return prefix;
    }

    /** Removes the keys from every tier; returns how many were present. */
    public int delete(List<BlockKey> keys) {
        limits.checkCount(keys.size(), "keys");
        int deleted = 0;
        for (BlockKey key : keys) {
            boolean removed = false;
            for (int level = 0; level < tiers.size(); level++) {
                BlockTier tier = tiers.get(level);
                removed |= guarded(level, () -> tier.remove(key), false);
            }
            deleted += removed ? 1 : 0;
        }
        return deleted;
    }

    /**
     * The tenant's blocks and bytes summed over the tiers (a block held by two tiers, e.g. promoted into memory and
     * still on disk, counts twice: these are copies), with store-wide capacity and counters.
     */
    public StoreStats stats(Tenant tenant) {
        long blocks = 0;
        long bytes = 0;
        for (int level = 0; level < tiers.size(); level++) {
            BlockTier tier = tiers.get(level);
            TenantUsage usage = guarded(level, () -> tier.usage(tenant), TenantUsage.NONE);
            blocks += usage.blocks();
            bytes += usage.bytes();
        }
        TierUsage total = totalUsage();
        return new StoreStats(blocks, bytes, total.capacityBytes(), hits.sum(), misses.sum(), total.evictions());
    }

    public List<BlockTier> tiers() {
        return tiers;
    }

    /** Counters of the tier at the same index as in {@link #tiers()}. */
    public TierCounters counters(int level) {
        return counters.get(level);
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

    /** Demotes memory-only blocks (bounded by the flush timeout), then closes every tier. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            flush();
        } finally {
            for (BlockTier tier : tiers) {
                try {
                    tier.close();
                } catch (RuntimeException e) {
                    log.warn("closing the {} tier failed", tier.name(), e);
                }
            }
        }
    }

    /**
     * Copies every block the first tier would lose at exit into the tiers below, least recently used first (so the
     * most recent end up newest on disk). Blocks already below are only touched.
     */
    void flush() {
        if (!hasLower(0) || flushTimeout.isZero()) {
            return;
        }
        long deadline = System.nanoTime() + flushTimeout.toNanos();
        List<BlockKey> keys = tiers.get(0).volatileKeys();
        int kept = 0;
        for (BlockKey key : keys) {
            if (System.nanoTime() - deadline > 0) {
                log.warn("flush timeout of {} reached: {} of {} memory blocks kept, the rest is lost at exit",
                        flushTimeout, kept, keys.size());
                return;
            }
            Optional<Block> block = tiers.get(0).get(key);
            if (block.isPresent() && block.get().intact() && demote(1, block.get())) {
                kept++;
            }
        }
        log.info("flushed {} of {} memory blocks to the lower tiers", kept, keys.size());
    }

    // ---- moving blocks between tiers ----

    /** Best effort: a block that cannot be promoted is still served from where it was found. */
    private void promote(int from, Block block) {
        PutResult result;
        try {
            result = tiers.get(0).put(block, hasLower(0));
        } catch (RuntimeException e) {
            log.debug("could not promote block {} into the {} tier: {}", block.key(), tiers.get(0).name(),
                    e.toString());
            return;
        }
        demoteAll(1, result.evicted());
        if (result.outcome() == PutOutcome.STORED) {
            counters.get(from).promotions.increment();
        }
    }

    private void demoteAll(int level, List<Block> evicted) {
        for (Block block : evicted) {
            demote(level, block);
        }
    }

    /**
     * Puts an evicted block into the first tier from {@code level} down that takes it; what that tier evicts in turn
     * goes further down. Returns whether some tier holds it now.
     */
    private boolean demote(int level, Block block) {
        for (int l = level; l < tiers.size(); l++) {
            BlockTier tier = tiers.get(l);
            boolean collect = hasLower(l);
            PutResult result = guarded(l, () -> tier.put(block, collect), PutResult.SKIPPED);
            demoteAll(l + 1, result.evicted());
            if (result.outcome() == PutOutcome.STORED) {
                counters.get(l).demotions.increment();
                return true;
            }
            if (result.outcome() == PutOutcome.EXISTING) {
                return true;
            }
        }
        return false; // no tier below took it: dropped, as the last tier's evictions are
    }

    private boolean hasLower(int level) {
        return level + 1 < tiers.size();
    }

    /**
     * Runs a call on a tier. Failures of the first tier propagate (its OverloadedException is the client's
     * RESOURCE_EXHAUSTED); a lower tier's unexpected exception becomes {@code fallback}, because a lower tier must
     * never fail a request.
     */
    private <T> T guarded(int level, Supplier<T> call, T fallback) {
        if (level == 0) {
            return call.get();
        }
        try {
            return call.get();
        } catch (RuntimeException e) {
            log.warn("{} tier failed; treating it as a miss", tiers.get(level).name(), e);
            return fallback;
        }
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
