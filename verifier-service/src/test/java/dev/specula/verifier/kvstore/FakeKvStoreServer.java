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
        OTHER_CODEC
    }

    private final Map<String, KvBlock> blocks = new ConcurrentHashMap<>();
    private final Server server;
    private volatile Damage damage = Damage.NONE;

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

    public int blockCount() {
        return blocks.size();
    }

    public void damage(Damage damage) {
        this.damage = damage;
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
            case NONE -> block;
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
        };
    }

    private final class Service extends KvStoreGrpc.KvStoreImplBase {
        @Override
        public StreamObserver<PutBlocksRequest> putBlocks(StreamObserver<PutBlocksResponse> responses) {
            return new StreamObserver<>() {
                int stored;

                @Override
                public void onNext(PutBlocksRequest request) {
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
                    responses.onNext(PutBlocksResponse.newBuilder().setStored(stored).build());
                    responses.onCompleted();
                }
            };
        }

        @Override
        public void getBlocks(GetBlocksRequest request, StreamObserver<KvBlock> responses) {
            for (ByteString key : request.getKeysList()) {
                KvBlock block = blocks.get(name(request.getTenant(), key));
                if (block != null) {
                    responses.onNext(damaged(block));
                }
            }
            responses.onCompleted();
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
