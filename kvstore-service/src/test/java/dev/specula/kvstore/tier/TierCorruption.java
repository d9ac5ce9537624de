package dev.specula.kvstore.tier;

import dev.specula.kvstore.block.BlockKey;

/** Test-only access to {@link MemoryTier}'s corruption hook from tests in other packages. */
public final class TierCorruption {

    private TierCorruption() {
    }

    /** Flips one payload byte of a stored block in off-heap memory; false if the block is absent. */
    public static boolean flipByte(MemoryTier tier, BlockKey key, int byteIndex) {
        return tier.corrupt(key, byteIndex);
    }
}
