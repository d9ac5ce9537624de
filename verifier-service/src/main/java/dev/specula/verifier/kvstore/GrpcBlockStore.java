package dev.specula.verifier.kvstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.specula.proto.v1.GenerationFence;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.runtime.engine.BlockSink;
import dev.specula.runtime.engine.BlockStore;
import dev.specula.runtime.engine.Hash256;
import dev.specula.runtime.engine.StaleWriteException;
import dev.specula.runtime.engine.StoredBlock;
import dev.specula.runtime.engine.WriteFence;
import dev.specula.service.grpc.AliasingMarshaller;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The KV store service as the engine's {@link BlockStore}, over the {@code kvstore} gRPC channel. Every call has
 * a deadline (a short one for the first answer of a restore: a slow store must cost a miss, not a stall). A
 * fetched block is accepted only if it answers the key asked for (full 32 bytes), carries this model's codec and
 * block size, and its payload matches its CRC32C; the first block that fails ends the restore there (counted),
 * so corrupt or foreign bytes never reach a KV cache (RELIABILITY.md #12, #15).
 */
public final class GrpcBlockStore implements BlockStore {
    /** Matches the store's default max-keys-per-request; a longer chain is looked up by its first keys only. */
    static final int MAX_KEYS = 1024;
    /** Put messages stay well below the store's 16 MB inbound limit. */
    private static final long MAX_PUT_MESSAGE_BYTES = 4L << 20;

    /** GetBlocks whose payloads are views of the received message (one copy out of the transport, not three). */
    private static final MethodDescriptor<GetBlocksRequest, KvBlock> GET_BLOCKS_ALIASED =
            AliasingMarshaller.forResponses(KvStoreGrpc.getGetBlocksMethod(), KvBlock.getDefaultInstance());

    private final Channel channel;
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
        this.channel = channel;
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

    /**
     * One GetBlocks call with {@code stop_at_missing}: the store streams the chain's stored prefix, so a restore
     * costs one round trip instead of LookupPrefix + GetBlocks. Blocks are parsed without copying their payloads and
     * checked and handed to the sink on the transport thread as they arrive (no thread hand-off per block). The
     * first answer (a block, or the end of the stream on a miss) must come within the lookup timeout, so a slow
     * store costs a miss, not a stall; the whole call is bounded by the get timeout.
     */
    @Override
    public int fetchPrefix(String tenant, List<Hash256> chain, BlockSink sink) {
        List<Hash256> wanted = chain.subList(0, Math.min(chain.size(), MAX_KEYS));
        if (wanted.isEmpty()) {
            return 0;
        }
        GetBlocksRequest.Builder request = GetBlocksRequest.newBuilder().setTenant(tenant).setStopAtMissing(true);
        wanted.forEach(key -> request.addKeys(bytes(key)));
        PrefixFetch fetch = new PrefixFetch(wanted, sink);
        ClientCall<GetBlocksRequest, KvBlock> call = channel.newCall(GET_BLOCKS_ALIASED, CallOptions.DEFAULT
                .withDeadlineAfter(getTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .withExecutor(Runnable::run));
        ClientCalls.asyncServerStreamingCall(call, request.build(), fetch);
        return fetch.await(lookupTimeout, getTimeout.plusSeconds(1));
    }

    @Override
    public void put(String tenant, List<StoredBlock> blocks) {
        put(tenant, WriteFence.NONE, blocks);
    }

    /**
     * Every message carries the fence. The store checks it before writing a message: a refusal ends the call, so the
     * rest of this offload is dropped, and surfaces as {@link StaleWriteException}.
     */
    @Override
    public void put(String tenant, WriteFence fence, List<StoredBlock> blocks) {
        GenerationFence wireFence = fence.fenced() ? GenerationFence.newBuilder()
                .setGenerationId(fence.generationId()).setEpoch(fence.epoch()).build()
                : GenerationFence.getDefaultInstance();
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
        PutBlocksRequest.Builder message = PutBlocksRequest.newBuilder().setTenant(tenant).setFence(wireFence);
        long messageBytes = 0;
        for (StoredBlock block : blocks) {
            if (message.getBlocksCount() > 0 && (messageBytes + block.payload().length > MAX_PUT_MESSAGE_BYTES
                    || message.getBlocksCount() >= MAX_KEYS)) {
                requests.onNext(message.build());
                message = PutBlocksRequest.newBuilder().setTenant(tenant).setFence(wireFence);
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
            Status status = Status.fromThrowable(e.getCause());
            if (status.getCode() == Status.Code.FAILED_PRECONDITION && fence.fenced()) {
                throw new StaleWriteException(status.getDescription(), e.getCause());
            }
            throw status.asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("PutBlocks did not finish").asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    /**
     * The receiving side of {@link #fetchPrefix}. Callbacks and the caller's give-up synchronize on this object, and
     * a closed fetch ignores everything, so the sink is never called after {@code await} has returned or thrown.
     */
    private final class PrefixFetch implements ClientResponseObserver<GetBlocksRequest, KvBlock> {
        private final List<Hash256> wanted;
        private final BlockSink sink;
        private final CountDownLatch answered = new CountDownLatch(1);
        private final CountDownLatch done = new CountDownLatch(1);
        private ClientCallStreamObserver<GetBlocksRequest> call;
        private int accepted;
        private boolean closed;
        private Throwable failure;

        PrefixFetch(List<Hash256> wanted, BlockSink sink) {
            this.wanted = wanted;
            this.sink = sink;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<GetBlocksRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public synchronized void onNext(KvBlock block) {
            answered.countDown();
            if (closed) {
                return;
            }
            boolean keep = accepted < wanted.size()
                    // A block for a later key means this one is missing (a store that skips instead of stopping).
                    && block.getKey().equals(bytes(wanted.get(accepted)));
            if (keep && !valid(block)) {
                rejectedBlocks.incrementAndGet();
                keep = false;
            }
            if (keep && sink.accept(block.getPayload().asReadOnlyByteBuffer())) {
                accepted++;
            } else {
                finish(null);
                call.cancel("restore prefix ends here", null);
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            finish(t);
        }

        @Override
        public synchronized void onCompleted() {
            finish(null);
        }

        /** @return blocks the sink accepted; throws if the call failed or did not answer in time */
        int await(Duration firstAnswer, Duration whole) {
            try {
                boolean inTime = answered.await(firstAnswer.toNanos(), TimeUnit.NANOSECONDS)
                        && done.await(whole.toNanos(), TimeUnit.NANOSECONDS);
                synchronized (this) {
                    if (!inTime && !closed) {
                        finish(Status.DEADLINE_EXCEEDED.withDescription("GetBlocks did not answer in time")
                                .asRuntimeException());
                        call.cancel("restore gave up waiting", null);
                    }
                    closed = true;
                    if (failure != null) {
                        throw Status.fromThrowable(failure).asRuntimeException();
                    }
                    return accepted;
                }
            } catch (InterruptedException e) {
                synchronized (this) {
                    closed = true;
                }
                call.cancel("interrupted", null);
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
        }

        private void finish(Throwable t) {
            if (!closed) {
                closed = true;
                failure = t;
            }
            answered.countDown();
            done.countDown();
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
