package dev.specula.kvstore.store;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.Checksums;
import dev.specula.kvstore.block.Codecs;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.service.error.InvalidRequestException;

/** Checks a block before anything is stored; every refusal is INVALID_ARGUMENT with the field and the reason. */
final class BlockValidator {

    private final StoreLimits limits;
    private final BlockTier firstTier;

    BlockValidator(StoreLimits limits, BlockTier firstTier) {
        this.limits = limits;
        this.firstTier = firstTier;
    }

    /** @param index position in the request, named in the message ("blocks[3]: ...") */
    void check(Block block, int index) {
        String where = "blocks[" + index + "]: ";
        if (!Codecs.KNOWN.contains(block.codec())) {
            throw new InvalidRequestException(where + "unknown codec '" + block.codec() + "', expected one of "
                    + Codecs.KNOWN);
        }
        if (block.tokenCount() <= 0) {
            throw new InvalidRequestException(where + "token_count must be positive, got " + block.tokenCount());
        }
        if (block.size() == 0) {
            throw new InvalidRequestException(where + "payload is empty");
        }
        if (block.size() > limits.maxBlockBytes()) {
            throw new InvalidRequestException(where + "payload of " + block.size() + " bytes exceeds the "
                    + limits.maxBlockBytes() + "-byte block limit");
        }
        if (!firstTier.fits(block.size())) {
            throw new InvalidRequestException(where + "payload of " + block.size() + " bytes exceeds the "
                    + firstTier.name() + " budget of " + firstTier.usage().capacityBytes() + " bytes");
        }
        int actual = Checksums.crc32c(block.payload());
        if (actual != block.crc32c()) {
            throw new InvalidRequestException(where + "crc32c mismatch: sent " + Integer.toUnsignedString(block.crc32c())
                    + ", payload has " + Integer.toUnsignedString(actual));
        }
    }
}
