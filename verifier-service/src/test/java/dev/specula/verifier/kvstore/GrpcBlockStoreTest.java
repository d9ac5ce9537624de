package dev.specula.verifier.kvstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.runtime.engine.Hash256;
import dev.specula.runtime.engine.StaleWriteException;
import dev.specula.runtime.engine.StoredBlock;
import dev.specula.runtime.engine.WriteFence;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The streamed restore fetch over real gRPC: the stored prefix in order, and a slow store costs a miss. */
class GrpcBlockStoreTest {
    private static final int TOKENS = 16;

    private FakeKvStoreServer server;
    private ManagedChannel channel;
    private GrpcBlockStore store;
    private final List<Hash256> chain = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();

    @BeforeEach
    void start() {
        server = new FakeKvStoreServer();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        store = new GrpcBlockStore(channel, "fp32", TOKENS, Duration.ofMillis(300), Duration.ofMillis(600),
                Duration.ofSeconds(10));
        Random random = new Random(7);
        for (int i = 0; i < 6; i++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            byte[] payload = new byte[50_000];
            random.nextBytes(payload);
            chain.add(Hash256.of(key));
            payloads.add(payload);
        }
        List<StoredBlock> stored = new ArrayList<>();
        for (int i : new int[] {0, 1, 2, 3, 5}) { // 4 is missing: the stored prefix is 0..3
            stored.add(new StoredBlock(chain.get(i), payloads.get(i), TOKENS));
        }
        store.put("t", stored);
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.release();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    /** RELIABILITY.md #24: the fence travels with every put; the store's refusal is a stale write, not a failure. */
    @Test
    void aPutOfAnOlderEpochThanTheStoreHasSeenIsAStaleWrite() {
        List<StoredBlock> blocks = List.of(new StoredBlock(chain.get(4), payloads.get(4), TOKENS));
        store.put("t", new WriteFence("gen", 2), blocks);
        assertThat(server.newestEpochs).containsEntry("gen", 2L);

        assertThatThrownBy(() -> store.put("t", new WriteFence("gen", 1), blocks))
                .isInstanceOf(StaleWriteException.class).hasMessageContaining("stale writer");
        store.put("t", new WriteFence("gen", 3), blocks);
        store.put("t", WriteFence.NONE, blocks);
        assertThat(server.newestEpochs).containsEntry("gen", 3L).hasSize(1);
    }

    @Test
    void streamsTheStoredPrefixInChainOrder() {
        List<byte[]> received = new ArrayList<>();
        assertThat(store.fetchPrefix("t", chain, copying(received))).isEqualTo(4);
        assertThat(received).containsExactlyElementsOf(payloads.subList(0, 4));

        assertThat(store.fetchPrefix("other", chain, copying(new ArrayList<>()))).as("another tenant").isZero();
        assertThat(store.fetchPrefix("t", chain.subList(4, 6), copying(new ArrayList<>()))).as("first missing")
                .isZero();
    }

    @Test
    void aSinkThatRefusesABlockEndsTheFetchBeforeIt() {
        List<byte[]> received = new ArrayList<>();
        assertThat(store.fetchPrefix("t", chain, payload -> received.size() < 2 && received.add(copy(payload))))
                .isEqualTo(2);
        assertThat(received).hasSize(2);
    }

    @Test
    void aStoreThatDoesNotAnswerIsAFailureAfterTheLookupTimeoutAndFeedsNothing() {
        server.damage(FakeKvStoreServer.Damage.HANGS);
        List<byte[]> received = new ArrayList<>();
        assertThatThrownBy(() -> store.fetchPrefix("t", chain, copying(received)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        server.release();
        assertThat(received).isEmpty();
    }

    /** The caller gives up at the get timeout; the engine then recomputes everything (GuardedStore: 0 blocks). */
    @Test
    void aStreamThatStallsMidwayIsAFailureNotAPartialSuccess() {
        server.damage(FakeKvStoreServer.Damage.STALLS_AFTER_FIRST);
        assertThatThrownBy(() -> store.fetchPrefix("t", chain, copying(new ArrayList<>())))
                .isInstanceOf(StatusRuntimeException.class);
    }

    private static dev.specula.runtime.engine.BlockSink copying(List<byte[]> into) {
        return payload -> into.add(copy(payload));
    }

    private static byte[] copy(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        return bytes;
    }
}
