package dev.specula.kvstore.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.kvstore.tier.MemoryTier;
import dev.specula.kvstore.tier.TierCorruption;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.proto.v1.StatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The KvStore service through its generated stubs over the in-process server. Every test writes under its own
 * tenant and deletes what it wrote, so the shared 2 MiB store is empty when each test starts.
 */
@SpringBootTest(properties = {
        "spring.config.name=kvstore",
        "spring.grpc.server.inprocess.name=kvstore-grpc-service-test",
        "spring.grpc.server.port=0",
        "specula.kvstore.memory-bytes=2MB",
        "specula.kvstore.page-bytes=16KB",
        "specula.kvstore.max-block-bytes=3MB",
        "specula.kvstore.max-keys-per-request=64",
        "specula.kvstore.stream-stall-timeout=2s"})
class KvStoreGrpcServiceTest {

    private static final int MEMORY = 2 << 20;
    private static final int PAGE = 16 << 10;

    @Autowired
    private MemoryTier memory;
    @Autowired
    private BlockStore store;

    private final Map<String, Set<ByteString>> written = new HashMap<>();
    private ManagedChannel channel;
    private KvClient client;
    private String tenant;

    @BeforeEach
    void connect() {
        channel = InProcessChannelBuilder.forName("kvstore-grpc-service-test").build();
        client = new KvClient(channel, 42);
        tenant = "t-" + UUID.randomUUID();
    }

    @AfterEach
    void deleteWrittenBlocksAndClose() throws InterruptedException {
        written.forEach((owner, keys) -> {
            List<ByteString> all = new ArrayList<>(keys);
            for (int from = 0; from < all.size(); from += 64) {
                client.delete(owner, all.subList(from, Math.min(all.size(), from + 64)));
            }
        });
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        assertThat(memory.usage().blocks()).as("store empty after clean-up").isZero();
    }

    @Test
    void putThenGetRoundTripsManyBlocksPerCallInRequestOrder() {
        List<KvBlock> first = blocks(16, 20_000);
        List<KvBlock> second = blocks(16, 20_000);
        List<KvBlock> third = blocks(16, 20_000);

        PutBlocksResponse response = put(tenant, first, second, third);

        assertThat(response.getStored()).isEqualTo(48);
        assertThat(response.getExisting()).isZero();
        List<KvBlock> all = new ArrayList<>(first);
        all.addAll(second);
        all.addAll(third);
        Collections.reverse(all);
        List<ByteString> keys = new ArrayList<>(KvClient.keys(all));
        keys.add(5, client.hash()); // missing keys are skipped, the rest keep request order
        keys.add(client.hash());
        assertThat(client.get(tenant, keys)).containsExactlyElementsOf(all);
        assertThat(put(tenant, first).getExisting()).isEqualTo(16);
    }

    @Test
    void lookupPrefixCountsLeadingStoredKeys() {
        List<KvBlock> chain = blocks(5, 1000);
        put(tenant, List.of(chain.get(0), chain.get(1), chain.get(2), chain.get(4)));
        List<ByteString> keys = KvClient.keys(chain);

        assertThat(client.lookup(tenant, keys)).isEqualTo(3);
        assertThat(client.lookup(tenant, keys.subList(3, 5))).isZero();
        assertThat(client.lookup(tenant, keys.subList(4, 5))).isEqualTo(1);
        assertThat(client.lookup(tenant, List.of())).isZero();
    }

    @Test
    void getWithStopAtMissingStreamsOnlyTheStoredPrefix() {
        List<KvBlock> chain = blocks(6, 1000);
        put(tenant, List.of(chain.get(0), chain.get(1), chain.get(2), chain.get(4), chain.get(5)));
        List<ByteString> keys = KvClient.keys(chain);

        assertThat(client.getPrefix(tenant, keys)).containsExactlyElementsOf(chain.subList(0, 3));
        assertThat(client.getPrefix(tenant, keys.subList(3, 6))).as("first key missing").isEmpty();
        assertThat(client.getPrefix(tenant, keys.subList(4, 6))).containsExactlyElementsOf(chain.subList(4, 6));
        assertThat(client.get(tenant, keys)).as("without the flag, missing keys are skipped")
                .containsExactly(chain.get(0), chain.get(1), chain.get(2), chain.get(4), chain.get(5));
    }

    @Test
    void aCorruptBlockEndsAStoredPrefixThere() {
        List<KvBlock> chain = List.of(client.block(3 * PAGE), client.block(3 * PAGE), client.block(3 * PAGE));
        put(tenant, chain);
        BlockKey middle = BlockKey.of(Tenant.of(tenant), chain.get(1).getKey().toByteArray());
        assertThat(TierCorruption.flipByte(memory, middle, PAGE + 5)).isTrue();

        assertThat(client.getPrefix(tenant, KvClient.keys(chain))).containsExactly(chain.get(0));
    }

    @Test
    void deleteRemovesOnlyNamedPresentBlocks() {
        List<KvBlock> blocks = blocks(3, 1000);
        put(tenant, blocks);
        List<ByteString> keys = KvClient.keys(blocks);

        assertThat(client.delete(tenant, List.of(keys.get(0), keys.get(2), client.hash()))).isEqualTo(2);
        assertThat(client.get(tenant, keys)).containsExactly(blocks.get(1));
        assertThat(client.delete(tenant, List.of(keys.get(0)))).isZero();
    }

    @Test
    void statsReportTheTenantsBlocksAndStoreWideCounters() {
        List<KvBlock> blocks = List.of(client.block(1000), client.block(2000), client.block(40_000));
        put(tenant, blocks);
        StatsResponse before = client.stats(tenant);

        client.get(tenant, List.of(blocks.get(0).getKey(), client.hash(), blocks.get(2).getKey()));

        StatsResponse after = client.stats(tenant);
        assertThat(after.getBlocks()).isEqualTo(3);
        assertThat(after.getBytes()).isEqualTo(43_000);
        assertThat(after.getCapacityBytes()).isEqualTo(MEMORY);
        assertThat(after.getHits() - before.getHits()).isEqualTo(2);
        assertThat(after.getMisses() - before.getMisses()).isEqualTo(1);
    }

    @Test
    void leastRecentlyUsedBlocksAreEvictedAndTheBudgetHolds() {
        int perBlock = 4 * PAGE;
        List<KvBlock> full = sameSize(MEMORY / perBlock, perBlock); // exactly fills the budget
        put(tenant, full.subList(0, 16), full.subList(16, full.size()));
        long evictionsBefore = client.stats(tenant).getEvictions();
        client.get(tenant, List.of(full.get(0).getKey())); // full[1] is now the least recently used

        put(tenant, List.of(client.block(perBlock)));

        StatsResponse stats = client.stats(tenant);
        assertThat(stats.getEvictions() - evictionsBefore).isEqualTo(1);
        assertThat(client.lookup(tenant, List.of(full.get(1).getKey()))).isZero();
        assertThat(client.lookup(tenant, List.of(full.get(0).getKey()))).isEqualTo(1);
        assertThat(client.lookup(tenant, KvClient.keys(full.subList(2, full.size())))).isEqualTo(full.size() - 2);
        assertThat(stats.getBytes()).isLessThanOrEqualTo(stats.getCapacityBytes());
    }

    @Test
    void tenantsCannotReadOverwriteOrDeleteEachOthersBlocks() {
        String other = "other-" + UUID.randomUUID();
        KvBlock mine = client.block(1000);
        put(tenant, List.of(mine));
        List<ByteString> key = List.of(mine.getKey());

        assertThat(client.get(other, key)).isEmpty();
        assertThat(client.lookup(other, key)).isZero();
        assertThat(client.delete(other, key)).isZero();
        assertThat(client.stats(other).getBlocks()).isZero();
        KvBlock theirs = client.block(500).toBuilder().setKey(mine.getKey()).build();
        assertThat(put(other, List.of(theirs)).getStored()).as("same hash, other namespace").isEqualTo(1);

        assertThat(client.get(tenant, key)).containsExactly(mine);
        assertThat(client.get(other, key)).containsExactly(theirs);
        assertThat(client.stats(tenant).getBytes()).isEqualTo(1000);
    }

    @Test
    void emptyTenantIsTheDefaultNamespace() {
        KvBlock block = client.block(100);
        put("", List.of(block));

        assertThat(client.get("default", List.of(block.getKey()))).containsExactly(block);
        written.computeIfAbsent("default", t -> new LinkedHashSet<>()).add(block.getKey());
    }

    @Test
    void aCorruptBlockIsAMissAndIsRemoved() {
        KvBlock block = client.block(3 * PAGE);
        put(tenant, List.of(block));
        BlockKey key = BlockKey.of(Tenant.of(tenant), block.getKey().toByteArray());
        assertThat(TierCorruption.flipByte(memory, key, 2 * PAGE + 17)).isTrue();
        long misses = client.stats(tenant).getMisses();
        long corrupt = store.corrupt();

        assertThat(client.get(tenant, List.of(block.getKey()))).isEmpty();

        assertThat(client.stats(tenant).getMisses()).isEqualTo(misses + 1);
        assertThat(store.corrupt()).isEqualTo(corrupt + 1);
        assertThat(client.lookup(tenant, List.of(block.getKey()))).as("removed").isZero();
        assertThat(client.stats(tenant).getBlocks()).isZero();
    }

    @TestFactory
    Stream<DynamicTest> everyInvalidRequestIsInvalidArgumentWithAMessage() {
        KvBlock good = client.block(100);
        List<ByteString> tooManyKeys = Collections.nCopies(65, good.getKey());
        List<ByteString> badKey = List.of(good.getKey(), ByteString.copyFrom(new byte[33]));
        return Stream.of(
                invalid("key of 31 bytes", c -> put(tenant, List.of(good.toBuilder().setKey(c.bytes(31)).build())),
                        "blocks[0].key: key must be 32 bytes (SHA-256), got 31"),
                invalid("empty key", c -> put(tenant, List.of(good.toBuilder().clearKey().build())),
                        "blocks[0].key: key must be 32 bytes (SHA-256), got 0"),
                invalid("empty payload", c -> put(tenant, List.of(good.toBuilder().clearPayload().setCrc32C(0)
                        .build())), "blocks[0]: payload is empty"),
                invalid("payload above max block size", c -> put(tenant, List.of(c.block((3 << 20) + 1))),
                        "exceeds the 3145728-byte block limit"),
                invalid("payload above the whole budget", c -> put(tenant, List.of(c.block(MEMORY + 1))),
                        "exceeds the memory budget of 2097152 bytes"),
                invalid("unknown codec", c -> put(tenant, List.of(good.toBuilder().setCodec("bf16").build())),
                        "unknown codec 'bf16'"),
                invalid("missing codec", c -> put(tenant, List.of(good.toBuilder().clearCodec().build())),
                        "unknown codec ''"),
                invalid("zero token count", c -> put(tenant, List.of(good.toBuilder().setTokenCount(0).build())),
                        "token_count must be positive, got 0"),
                invalid("negative token count", c -> put(tenant, List.of(good.toBuilder().setTokenCount(-1)
                        .build())), "token_count must be positive, got -1"),
                invalid("crc32c mismatch", c -> put(tenant, List.of(good.toBuilder()
                        .setCrc32C(good.getCrc32C() ^ 1).build())), "blocks[0]: crc32c mismatch"),
                invalid("too many blocks in a message", c -> put(tenant, Collections.nCopies(65, good)),
                        "too many blocks in one request: 65 > 64"),
                invalid("get: bad key", c -> c.get(tenant, badKey), "keys[1]: key must be 32 bytes"),
                invalid("get: too many keys", c -> c.get(tenant, tooManyKeys), "too many keys in one request"),
                invalid("lookup: bad key", c -> c.lookup(tenant, badKey), "keys[1]: key must be 32 bytes"),
                invalid("lookup: too many keys", c -> c.lookup(tenant, tooManyKeys), "too many keys"),
                invalid("delete: bad key", c -> c.delete(tenant, badKey), "keys[1]: key must be 32 bytes"),
                invalid("delete: too many keys", c -> c.delete(tenant, tooManyKeys), "too many keys"),
                invalid("tenant too long", c -> c.stats("x".repeat(129)), "tenant must be 1..128 characters"));
    }

    @Test
    void aGetBlocksClientThatNeverReadsHoldsNoBlocksAndIsEndedAtTheStallTimeout() throws Exception {
        List<KvBlock> blocks = sameSize(40, PAGE);
        put(tenant, blocks);
        long hitsBefore = store.hits();
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<Status> end = new CompletableFuture<>();

        client.async().getBlocks(GetBlocksRequest.newBuilder().setTenant(tenant)
                .addAllKeys(KvClient.keys(blocks)).build(), new ClientResponseObserver<GetBlocksRequest, KvBlock>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<GetBlocksRequest> call) {
                        call.disableAutoRequestWithInitial(0); // never asks for a message
                    }

                    @Override
                    public void onNext(KvBlock block) {
                        received.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable error) {
                        end.complete(Status.fromThrowable(error));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });

        Status status = end.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).contains("client read no block for 2000 ms");
        assertThat(received).hasValue(0);
        assertThat(store.hits() - hitsBefore).as("blocks read for a client that never asked").isLessThanOrEqualTo(1);
    }

    /**
     * RELIABILITY.md #24: once a generation's newer epoch wrote, a write of an older epoch (a replica paused while the
     * router moved the generation) ends with FAILED_PRECONDITION and stores nothing; equal or newer epochs, other
     * generations and reads are unaffected.
     */
    @Test
    void aWriteOfAnOlderEpochThanTheNewestSeenIsRefusedWithoutStoringAnything() {
        String generation = "gen-" + UUID.randomUUID();
        List<KvBlock> owner = blocks(3, 1000);
        List<KvBlock> stale = blocks(2, 1000);
        assertThat(putFenced(generation, 2, owner).getStored()).isEqualTo(3);

        assertThatThrownBy(() -> putFenced(generation, 1, stale))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("stale writer").contains("epoch 1")
                            .contains("epoch 2");
                });
        assertThat(client.get(tenant, KvClient.keys(stale))).as("nothing of the stale write").isEmpty();
        assertThat(client.get(tenant, KvClient.keys(owner))).as("reads are not fenced").containsExactlyElementsOf(owner);
        assertThat(putFenced(generation, 2, stale).getStored()).as("the current owner writes on").isEqualTo(2);
        assertThat(putFenced("gen-" + UUID.randomUUID(), 1, blocks(1, 1000)).getStored()).isEqualTo(1);
        assertThat(put(tenant, blocks(1, 1000)).getStored()).as("unfenced writes are not checked").isEqualTo(1);
    }

    private PutBlocksResponse putFenced(String generation, long epoch, List<KvBlock> blocks) {
        blocks.forEach(b -> written.computeIfAbsent(tenant, t -> new LinkedHashSet<>()).add(b.getKey()));
        return client.put(tenant, dev.specula.proto.v1.GenerationFence.newBuilder().setGenerationId(generation)
                .setEpoch(epoch).build(), blocks);
    }

    private DynamicTest invalid(String name, Consumer<KvClient> call, String message) {
        return DynamicTest.dynamicTest(name, () -> assertThatThrownBy(() -> call.accept(client))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains(message);
                }));
    }

    @SafeVarargs
    private PutBlocksResponse put(String owner, List<KvBlock>... messages) {
        for (List<KvBlock> blocks : messages) {
            blocks.stream().map(KvBlock::getKey).filter(k -> k.size() == BlockKey.HASH_BYTES)
                    .forEach(k -> written.computeIfAbsent(owner, t -> new LinkedHashSet<>()).add(k));
        }
        return client.put(owner, messages);
    }

    private List<KvBlock> sameSize(int count, int size) {
        List<KvBlock> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(client.block(size));
        }
        return out;
    }

    /** Sizes from maxSize down to about maxSize / 2, so blocks span different page counts. */
    private List<KvBlock> blocks(int count, int maxSize) {
        List<KvBlock> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(client.block(maxSize - i * (maxSize / (2 * count))));
        }
        return out;
    }
}
