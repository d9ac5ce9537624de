package dev.specula.kvstore;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the KV store, {@code specula.kvstore.*}, mapped 1:1 from the Helm values. Invalid combinations fail
 * at startup with the offending key in the message.
 *
 * @param memoryBytes         off-heap budget of the memory tier; never exceeded (rounded down to whole pages)
 * @param pageBytes           allocation unit of the memory tier, a power of two in [1KB, 1MB]; each block wastes
 *                            less than one page, so keep it well below the typical block size
 * @param maxBlockBytes       largest payload accepted per block; must stay below
 *                            {@code spring.grpc.server.inbound.message.max-size} (16MB) to be sendable at all
 * @param maxKeysPerRequest   most keys per Get/Lookup/Delete request, and most blocks per PutBlocks message
 * @param streamStallTimeout  a GetBlocks stream whose client reads nothing for this long is ended with
 *                            DEADLINE_EXCEEDED, freeing the block it holds
 */
@ConfigurationProperties("specula.kvstore")
public record KvStoreProperties(
        @DefaultValue("256MB") DataSize memoryBytes,
        @DefaultValue("16KB") DataSize pageBytes,
        @DefaultValue("8MB") DataSize maxBlockBytes,
        @DefaultValue("1024") int maxKeysPerRequest,
        @DefaultValue("30s") Duration streamStallTimeout) {

    private static final long MAX_BLOCK_LIMIT = 1L << 30;

    public KvStoreProperties {
        long page = pageBytes.toBytes();
        if (page < 1024 || page > (1 << 20) || Long.bitCount(page) != 1) {
            throw new IllegalArgumentException("specula.kvstore.page-bytes must be a power of two in [1KB, 1MB], got "
                    + pageBytes);
        }
        if (memoryBytes.toBytes() < page || memoryBytes.toBytes() / page > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("specula.kvstore.memory-bytes must hold 1.." + Integer.MAX_VALUE
                    + " pages of " + pageBytes + ", got " + memoryBytes);
        }
        if (maxBlockBytes.toBytes() < 1 || maxBlockBytes.toBytes() > MAX_BLOCK_LIMIT) {
            throw new IllegalArgumentException("specula.kvstore.max-block-bytes must be in [1B, 1GB], got "
                    + maxBlockBytes);
        }
        if (maxKeysPerRequest < 1 || maxKeysPerRequest > 1_000_000) {
            throw new IllegalArgumentException("specula.kvstore.max-keys-per-request must be in [1, 1000000], got "
                    + maxKeysPerRequest);
        }
        if (streamStallTimeout.isNegative() || streamStallTimeout.isZero()) {
            throw new IllegalArgumentException("specula.kvstore.stream-stall-timeout must be positive, got "
                    + streamStallTimeout);
        }
    }
}
