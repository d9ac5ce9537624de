package dev.specula.kvstore.tier;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import java.util.List;
import java.util.Optional;

/**
 * One level of the store: off-heap memory, local disk or Redis. Implementations are thread-safe and bounded: they
 * evict to make room and never hold more than their capacity. Tiers that keep blocks outside the JVM's memory (disk,
 * Redis) verify what they read back and never return a damaged record; {@code BlockStore} checks every block's CRC32C
 * once more above all tiers alike. Tiers below the first never throw for an unavailable backend: a failure is a miss,
 * a skipped write, or false.
 */
public interface BlockTier extends AutoCloseable {

    /** Short name used as the {@code tier} metric tag, e.g. "memory". */
    String name();

    /** Whether a payload of this size could ever be held, even with everything else evicted. */
    boolean fits(int payloadBytes);

    /**
     * Stores the block unless its key is present (content-addressed: same key, same bytes). Either way the key
     * becomes the most recently used.
     *
     * @param collectEvicted whether blocks evicted to make room are returned with their payloads, to be demoted into
     *                       a lower tier; false when there is none, so that nothing is copied in vain
     * @throws dev.specula.service.error.OverloadedException if the first tier cannot make room
     */
    PutResult put(Block block, boolean collectEvicted);

    /** {@link #put(Block, boolean)} without demotion. */
    default PutOutcome put(Block block) {
        return put(block, false).outcome();
    }

    /** The block, marked most recently used; empty if absent, damaged or unreachable. */
    Optional<Block> get(BlockKey key);

    /** Presence check without copying the payload; marks the key most recently used where that is cheap. */
    boolean contains(BlockKey key);

    /**
     * How many leading keys of {@code chain} this tier holds. Remote tiers answer the whole chain in one round trip
     * instead of one per key.
     */
    default int presentPrefix(List<BlockKey> chain) {
        int prefix = 0;
        while (prefix < chain.size() && contains(chain.get(prefix))) {
            prefix++;
        }
        return prefix;
    }

    /** Removes the block; false if it was absent (or the tier could not be reached). */
    boolean remove(BlockKey key);

    TierUsage usage();

    /** Blocks and bytes of one tenant only, so statistics never reveal another tenant's data. */
    TenantUsage usage(Tenant tenant);

    default TierHealth health() {
        return TierHealth.OK;
    }

    /**
     * Keys this tier would lose when the process stops, least recently used first: the memory tier's all of them,
     * durable tiers none. The store demotes them on shutdown so that a restart keeps them.
     */
    default List<BlockKey> volatileKeys() {
        return List.of();
    }

    /** Releases files, locks and connections. The tier is not used afterwards. */
    @Override
    default void close() {
    }
}
