package dev.specula.verifier.kvstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.runtime.engine.BlockStore;
import dev.specula.runtime.engine.Hash256;
import dev.specula.runtime.engine.StoredBlock;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The KV store service as the engine's {@link BlockStore}, over the {@code kvstore} gRPC channel. Every call has
 * a deadline (lookup a short one: a slow store must cost a miss, not a stall). A fetched block is accepted only
 * if it answers the key asked for (full 32 bytes), carries this model's codec and block size, and its payload
 * matches its CRC32C; the first block that fails ends the restore there (counted), so corrupt or foreign bytes
 * never reach a KV cache (RELIABILITY.md #12, #15).
 */
public final class GrpcBlockStore implements BlockStore {
    /** Matches the store's default max-keys-per-request; a longer chain is looked up by its first keys only. */
    static final int MAX_KEYS = 1024;
    /** Put messages stay well below the store's 16 MB inbound limit. */
    private static final long MAX_PUT_MESSAGE_BYTES = 4L << 20;

    private final KvStoreGrpc.KvStoreBlockingStub blocking;
    private final KvStoreGrpc.KvStoreStub async;
    private final String codec;
    private final int blockTokens;
    private final Duration lookupTimeout;
    private final Duration getTimeout;
    private final Duration putTimeout;
    private final AtomicLong rejectedBlocks = new AtomicLong();

    public GrpcBlockStore(Channel channel, String codec, int blockTokens, Duration lookupTimeout, Duration getTimeout,
                          Duration putTimeout) {
        this.blocking = KvStoreGrpc.newBlockingStub(channel);
        this.async = KvStoreGrpc.newStub(channel);
        this.codec = codec;
        this.blockTokens = blockTokens;
        this.lookupTimeout = lookupTimeout;
        this.getTimeout = getTimeout;
        this.putTimeout = putTimeout;
    }

    /** Fetched blocks refused by their checks (key, codec, token count, CRC32C). */
    public long rejectedBlocks() {
        return rejectedBlocks.get();
    }

    @Override
    public int lookupPrefix(String tenant, List<Hash256> chain) {
        LookupPrefixRequest.Builder request = LookupPrefixRequest.newBuilder().setTenant(tenant);
        chain.subList(0, Math.min(chain.size(), MAX_KEYS)).forEach(key -> request.addKeys(bytes(key)));
        return blocking.withDeadlineAfter(lookupTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .lookupPrefix(request.build()).getStoredPrefix();
    }

    @Override
    public List<byte[]> get(String tenant, List<Hash256> keys) {
        List<Hash256> wanted = keys.subList(0, Math.min(keys.size(), MAX_KEYS));
        GetBlocksRequest.Builder request = GetBlocksRequest.newBuilder().setTenant(tenant);
        wanted.forEach(key -> request.addKeys(bytes(key)));
        List<byte[]> blocks = new ArrayList<>(wanted.size());
        // A cancellable context, so that stopping early ends the stream instead of draining it.
        Context.CancellableContext call = Context.current().withCancellation();
        Context previous = call.attach();
        try {
            Iterator<KvBlock> stream = blocking.withDeadlineAfter(getTimeout.toNanos(), TimeUnit.NANOSECONDS)
                    .getBlocks(request.build());
            while (blocks.size() < wanted.size() && stream.hasNext()) {
                KvBlock block = stream.next();
                // The store skips missing keys: a block for a later key means this one is missing.
                if (!Arrays.equals(block.getKey().toByteArray(), wanted.get(blocks.size()).bytes())) {
                    break;
                }
                if (!valid(block)) {
                    rejectedBlocks.incrementAndGet();
                    break;
                }
                blocks.add(block.getPayload().toByteArray());
            }
            return blocks;
        } finally {
            call.detach(previous);
            call.cancel(null);
        }
    }

    @Override
    public void put(String tenant, List<StoredBlock> blocks) {
        CompletableFuture<PutBlocksResponse> done = new CompletableFuture<>();
        StreamObserver<PutBlocksRequest> requests = async.withDeadlineAfter(putTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .putBlocks(new StreamObserver<>() {
                    @Override
                    public void onNext(PutBlocksResponse value) {
                        done.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(PutBlocksResponse.getDefaultInstance());
                    }
                });
        PutBlocksRequest.Builder message = PutBlocksRequest.newBuilder().setTenant(tenant);
        long messageBytes = 0;
        for (StoredBlock block : blocks) {
            if (message.getBlocksCount() > 0 && (messageBytes + block.payload().length > MAX_PUT_MESSAGE_BYTES
                    || message.getBlocksCount() >= MAX_KEYS)) {
                requests.onNext(message.build());
                message = PutBlocksRequest.newBuilder().setTenant(tenant);
                messageBytes = 0;
            }
            message.addBlocks(KvBlock.newBuilder()
                    .setKey(bytes(block.key()))
                    .setCodec(codec)
                    .setPayload(UnsafeByteOperations.unsafeWrap(block.payload()))
                    .setCrc32C(Crc32c.of(block.payload()))
                    .setTokenCount(block.tokens()));
            messageBytes += block.payload().length;
        }
        requests.onNext(message.build());
        requests.onCompleted();
        try {
            done.get(putTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("PutBlocks did not finish").asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    private boolean valid(KvBlock block) {
        return codec.equals(block.getCodec()) && block.getTokenCount() == blockTokens
                && Crc32c.of(block.getPayload()) == block.getCrc32C();
    }

    private static ByteString bytes(Hash256 key) {
        return UnsafeByteOperations.unsafeWrap(key.bytes());
    }
}
