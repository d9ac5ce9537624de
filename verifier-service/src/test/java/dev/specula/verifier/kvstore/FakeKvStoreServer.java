package dev.specula.verifier.kvstore;

import com.google.protobuf.ByteString;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.LookupPrefixResponse;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A KV store speaking the real protocol on a loopback port, holding blocks in a map, that can serve them
 * damaged on demand: what the verifier must survive without ever importing a wrong block.
 */
public final class FakeKvStoreServer implements AutoCloseable {
    public enum Damage {
        NONE,
        /** Payload bytes flipped, checksum left as stored (bit rot, a torn write left visible). */
        FLIPPED_PAYLOAD,
        /** A block answered under another key's name (an index bug or a hash-collision attempt). */
        WRONG_KEY,
        /** Another codec than the verifier wrote (a reader/writer skew). */
        OTHER_CODEC,
        /** The second and third blocks answered in swapped order (each intact under its own key). */
        OUT_OF_ORDER,
        /** Two intact blocks, then the stream fails (a connection lost mid-fetch). */
        FAILS_MIDWAY,
        /** GetBlocks answers nothing until {@link #release()} (a hung store). */
        HANGS,
        /** One intact block, then nothing until {@link #release()} (a store that stalls mid-stream). */
        STALLS_AFTER_FIRST
    }

    private final Map<String, KvBlock> blocks = new ConcurrentHashMap<>();
    private final Server server;
    private volatile Damage damage = Damage.NONE;
    /** Newest epoch per fenced generation id. */
    public final java.util.Map<String, Long> newestEpochs = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);

    public FakeKvStoreServer() {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .maxInboundMessageSize(16 << 20)
                .addService(new Service())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String target() {
        return "static://127.0.0.1:" + server.getPort();
    }

    public int port() {
        return server.getPort();
    }

    public int blockCount() {
        return blocks.size();
    }

    public void damage(Damage damage) {
        this.held = new java.util.concurrent.CountDownLatch(1);
        this.damage = damage;
    }

    /** Lets held GetBlocks calls go on. */
    public void release() {
        held.countDown();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String name(String tenant, ByteString key) {
        return tenant + "/" + java.util.HexFormat.of().formatHex(key.toByteArray());
    }

    private KvBlock damaged(KvBlock block) {
        return switch (damage) {
            case FLIPPED_PAYLOAD -> {
                byte[] payload = block.getPayload().toByteArray();
                payload[payload.length / 2] ^= 0x40;
                yield block.toBuilder().setPayload(ByteString.copyFrom(payload)).build();
            }
            case WRONG_KEY -> {
                byte[] key = block.getKey().toByteArray();
                key[31] ^= 1;
                yield block.toBuilder().setKey(ByteString.copyFrom(key)).build();
            }
            case OTHER_CODEC -> block.toBuilder().setCodec("int8").build();
            case NONE, OUT_OF_ORDER, FAILS_MIDWAY, HANGS, STALLS_AFTER_FIRST -> block; // the stream is damaged
        };
    }

    private final class Service extends KvStoreGrpc.KvStoreImplBase {
        @Override
        public StreamObserver<PutBlocksRequest> putBlocks(StreamObserver<PutBlocksResponse> responses) {
            return new StreamObserver<>() {
                int stored;
                boolean refused;

                @Override
                public void onNext(PutBlocksRequest request) {
                    if (refused) {
                        return;
                    }
                    // The store's fence rule: an epoch older than the newest seen for the generation is refused.
                    String generation = request.getFence().getGenerationId();
                    if (!generation.isEmpty() && newestEpochs.merge(generation, request.getFence().getEpoch(),
                            Math::max) > request.getFence().getEpoch()) {
                        refused = true;
                        responses.onError(io.grpc.Status.FAILED_PRECONDITION.withDescription("stale writer (test)")
                                .asRuntimeException());
                        return;
                    }
                    for (KvBlock block : request.getBlocksList()) {
                        if (blocks.putIfAbsent(name(request.getTenant(), block.getKey()), block) == null) {
                            stored++;
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    if (refused) {
                        return;
                    }
                    responses.onNext(PutBlocksResponse.newBuilder().setStored(stored).build());
                    responses.onCompleted();
                }
            };
        }

        @Override
        public void getBlocks(GetBlocksRequest request, StreamObserver<KvBlock> responses) {
            java.util.List<KvBlock> found = new java.util.ArrayList<>();
            for (ByteString key : request.getKeysList()) {
                KvBlock block = blocks.get(name(request.getTenant(), key));
                if (block != null) {
                    found.add(damaged(block));
                } else if (request.getStopAtMissing()) {
                    break;
                }
            }
            if (damage == Damage.OUT_OF_ORDER && found.size() >= 3) {
                java.util.Collections.swap(found, 1, 2);
            }
            for (int i = 0; i < found.size(); i++) {
                if ((damage == Damage.HANGS && i == 0) || (damage == Damage.STALLS_AFTER_FIRST && i == 1)) {
                    awaitRelease();
                }
                if (damage == Damage.FAILS_MIDWAY && i == 2) {
                    responses.onError(io.grpc.Status.UNAVAILABLE.withDescription("connection lost (test)")
                            .asRuntimeException());
                    return;
                }
                responses.onNext(found.get(i));
            }
            responses.onCompleted();
        }

        private void awaitRelease() {
            try {
                held.await(30, TimeUnit.SECONDS); // bounded: a test that forgets to release still ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void lookupPrefix(LookupPrefixRequest request, StreamObserver<LookupPrefixResponse> responses) {
            int n = 0;
            while (n < request.getKeysCount() && blocks.containsKey(name(request.getTenant(), request.getKeys(n)))) {
                n++;
            }
            responses.onNext(LookupPrefixResponse.newBuilder().setStoredPrefix(n).build());
            responses.onCompleted();
        }
    }
}
