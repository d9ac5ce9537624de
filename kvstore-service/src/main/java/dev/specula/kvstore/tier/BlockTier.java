package dev.specula.kvstore.tier;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import java.util.Optional;

/**
 * One level of the store (memory now; local disk and remote later). Implementations are thread-safe and bounded:
 * they evict to make room and never hold more than their capacity. They store checksums but do not verify them;
 * {@code BlockStore} does, above every tier alike.
 */
public interface BlockTier {

    /** Short name used as the {@code tier} metric tag, e.g. "memory". */
    String name();

    /** Whether a payload of this size could ever be held, even with everything else evicted. */
    boolean fits(int payloadBytes);

    /**
     * Stores the block unless its key is present (content-addressed: same key, same bytes). Either way the key
     * becomes the most recently used.
     *
     * @throws dev.specula.service.error.OverloadedException if the tier cannot make room
     */
    PutOutcome put(Block block);

    /** The block, marked most recently used; empty if absent. */
    Optional<Block> get(BlockKey key);

    /** Presence check without copying the payload; marks the key most recently used. */
    boolean contains(BlockKey key);

    /** Removes the block; false if it was absent. */
    boolean remove(BlockKey key);

    TierUsage usage();

    /** Blocks and bytes of one tenant only, so statistics never reveal another tenant's data. */
    TenantUsage usage(Tenant tenant);
}
