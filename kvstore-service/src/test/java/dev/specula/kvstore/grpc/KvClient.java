package dev.specula.kvstore.grpc;

import com.google.protobuf.ByteString;
import dev.specula.kvstore.block.Checksums;
import dev.specula.proto.v1.DeleteBlocksRequest;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.proto.v1.StatsRequest;
import dev.specula.proto.v1.StatsResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A test client over the generated stubs, with seeded block data. Errors surface as StatusRuntimeException. */
final class KvClient {

    private final KvStoreGrpc.KvStoreBlockingStub blocking;
    private final KvStoreGrpc.KvStoreStub async;
    private final SplittableRandom random;

    KvClient(Channel channel, long seed) {
        this.blocking = KvStoreGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        this.async = KvStoreGrpc.newStub(channel);
        this.random = new SplittableRandom(seed);
    }

    KvStoreGrpc.KvStoreStub async() {
        return async;
    }

    ByteString hash() {
        return bytes(32);
    }

    ByteString bytes(int size) {
        byte[] out = new byte[size];
        random.nextBytes(out);
        return ByteString.copyFrom(out);
    }

    /** A valid fp16 block of random bytes with the correct CRC32C. */
    KvBlock block(int size) {
        ByteString payload = bytes(size);
        return KvBlock.newBuilder().setKey(hash()).setCodec("fp16").setTokenCount(16).setPayload(payload)
                .setCrc32C(Checksums.crc32c(payload.toByteArray())).build();
    }

    /** One PutBlocks call sending each list as one message. */
    @SafeVarargs
    final PutBlocksResponse put(String tenant, List<KvBlock>... messages) {
        return put(tenant, dev.specula.proto.v1.GenerationFence.getDefaultInstance(), messages);
    }

    /** PutBlocks on behalf of a fenced generation: every message carries {@code fence}. */
    @SafeVarargs
    final PutBlocksResponse put(String tenant, dev.specula.proto.v1.GenerationFence fence,
                                List<KvBlock>... messages) {
        CompletableFuture<PutBlocksResponse> result = new CompletableFuture<>();
        StreamObserver<PutBlocksRequest> requests = async.withDeadlineAfter(30, TimeUnit.SECONDS)
                .putBlocks(new StreamObserver<>() {
                    @Override
                    public void onNext(PutBlocksResponse response) {
                        result.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        result.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                        result.complete(null);
                    }
                });
        for (List<KvBlock> blocks : messages) {
            requests.onNext(PutBlocksRequest.newBuilder().setTenant(tenant).setFence(fence).addAllBlocks(blocks)
                    .build());
        }
        requests.onCompleted();
        return await(result);
    }

    List<KvBlock> get(String tenant, List<ByteString> keys) {
        List<KvBlock> out = new ArrayList<>();
        blocking.getBlocks(GetBlocksRequest.newBuilder().setTenant(tenant).addAllKeys(keys).build())
                .forEachRemaining(out::add);
        return out;
    }

    /** GetBlocks with stop_at_missing: the stored prefix of a chain. */
    List<KvBlock> getPrefix(String tenant, List<ByteString> keys) {
        List<KvBlock> out = new ArrayList<>();
        blocking.getBlocks(GetBlocksRequest.newBuilder().setTenant(tenant).addAllKeys(keys).setStopAtMissing(true)
                .build()).forEachRemaining(out::add);
        return out;
    }

    int lookup(String tenant, List<ByteString> keys) {
        return blocking.lookupPrefix(LookupPrefixRequest.newBuilder().setTenant(tenant).addAllKeys(keys).build())
                .getStoredPrefix();
    }

    int delete(String tenant, List<ByteString> keys) {
        return blocking.deleteBlocks(DeleteBlocksRequest.newBuilder().setTenant(tenant).addAllKeys(keys).build())
                .getDeleted();
    }

    StatsResponse stats(String tenant) {
        return blocking.stats(StatsRequest.newBuilder().setTenant(tenant).build());
    }

    static List<ByteString> keys(List<KvBlock> blocks) {
        return blocks.stream().map(KvBlock::getKey).toList();
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
