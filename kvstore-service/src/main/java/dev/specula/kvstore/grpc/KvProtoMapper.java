package dev.specula.kvstore.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.store.StoreLimits;
import dev.specula.kvstore.store.StoreStats;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.StatsResponse;
import dev.specula.service.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/** Maps specula.v1 KV messages to the store's records and back. Bad fields become INVALID_ARGUMENT naming the field. */
final class KvProtoMapper {

    private KvProtoMapper() {
    }

    /** Counts are checked before any key is parsed, so an oversized request costs nothing. */
    static List<BlockKey> keys(Tenant tenant, List<ByteString> keys, StoreLimits limits) {
        limits.checkCount(keys.size(), "keys");
        List<BlockKey> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            out.add(key(tenant, keys.get(i), "keys[" + i + "]"));
        }
        return out;
    }

    /** Payloads are wrapped, not copied: the only copy is the one into off-heap memory. */
    static List<Block> blocks(Tenant tenant, List<KvBlock> blocks, StoreLimits limits) {
        limits.checkCount(blocks.size(), "blocks");
        List<Block> out = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            KvBlock block = blocks.get(i);
            out.add(new Block(key(tenant, block.getKey(), "blocks[" + i + "].key"), block.getCodec(),
                    block.getTokenCount(), block.getCrc32C(), block.getPayload().asReadOnlyByteBuffer()));
        }
        return out;
    }

    /**
     * The payload array is fresh per read (tiers copy out of their pages or files) and nobody writes to it, so it is
     * wrapped without a copy; the shared view matters: protobuf copies a read-only buffer.
     */
    static KvBlock toProto(Block block) {
        return KvBlock.newBuilder()
                .setKey(UnsafeByteOperations.unsafeWrap(block.key().hash()))
                .setCodec(block.codec())
                .setPayload(UnsafeByteOperations.unsafeWrap(block.sharedPayload()))
                .setCrc32C(block.crc32c())
                .setTokenCount(block.tokenCount())
                .build();
    }

    static StatsResponse toProto(StoreStats stats) {
        return StatsResponse.newBuilder()
                .setBlocks(stats.blocks())
                .setBytes(stats.bytes())
                .setCapacityBytes(stats.capacityBytes())
                .setHits(stats.hits())
                .setMisses(stats.misses())
                .setEvictions(stats.evictions())
                .build();
    }

    private static BlockKey key(Tenant tenant, ByteString key, String field) {
        try {
            return BlockKey.of(tenant, key.toByteArray());
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(field + ": " + e.getMessage());
        }
    }
}
