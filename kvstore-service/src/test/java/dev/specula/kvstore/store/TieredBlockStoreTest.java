package dev.specula.kvstore.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.block.TestBlocks;
import dev.specula.kvstore.testing.FakeClock;
import dev.specula.kvstore.testing.RedisServer;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.kvstore.tier.MemoryTier;
import dev.specula.kvstore.tier.TierState;
import dev.specula.kvstore.tier.disk.ChannelOpener;
import dev.specula.kvstore.tier.disk.DiskTier;
import dev.specula.kvstore.tier.disk.FaultyChannel;
import dev.specula.kvstore.tier.redis.RedisSettings;
import dev.specula.kvstore.tier.redis.RedisTier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory over disk (over Redis): demotion on eviction, promotion on hit, restarts, failures of lower tiers. */
class TieredBlockStoreTest {

    private static final int PAGE = 1024;
    private static final Tenant TENANT = new Tenant("t");
    private static final StoreLimits LIMITS = new StoreLimits(64 * 1024, 64);

    @TempDir
    Path dir;

    private final TestBlocks data = new TestBlocks(21);
    private final FakeClock clock = new FakeClock();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    void memoryEvictionsAreDemotedToDiskAndDiskHitsArePromotedBack() {
        BlockStore store = store(memory(4), disk(1 << 20, ChannelOpener.DEFAULT));
        List<Block> blocks = blocks(TENANT, 6, PAGE); // one page each: the memory tier holds four

        store.put(blocks);

        assertThat(store.tiers().get(0).usage().blocks()).isEqualTo(4);
        assertThat(store.counters(1).demotions()).isEqualTo(2);
        assertThat(store.tiers().get(1).contains(blocks.get(0).key())).isTrue();

        assertThat(store.get(blocks.get(0).key())).contains(blocks.get(0));

        assertThat(store.counters(1).hits()).isEqualTo(1);
        assertThat(store.counters(1).promotions()).isEqualTo(1);
        assertThat(store.tiers().get(0).contains(blocks.get(0).key())).as("promoted").isTrue();
        assertThat(store.tiers().get(0).contains(blocks.get(2).key())).as("made room").isFalse();
        assertThat(store.counters(1).demotions()).as("the block that made room went down").isEqualTo(3);
        assertThat(store.get(blocks.get(0).key())).contains(blocks.get(0));
        assertThat(store.counters(0).hits()).as("second read from memory").isEqualTo(1);
        for (Block block : blocks) {
            assertThat(store.get(block.key())).contains(block);
        }
        assertThat(store.misses()).isZero();
    }

    @Test
    void aRestartKeepsTheBlocksThatWereOnlyInMemory() {
        List<Block> blocks = blocks(TENANT, 3, 3000);
        BlockStore first = new BlockStore(List.of(memory(64), disk(1 << 20, ChannelOpener.DEFAULT)), LIMITS,
                Duration.ofSeconds(30));
        first.put(blocks);
        assertThat(first.tiers().get(1).usage().blocks()).as("nothing evicted yet").isZero();

        first.close(); // flushes memory into the disk tier, then releases the directory

        BlockStore second = store(memory(64), disk(1 << 20, ChannelOpener.DEFAULT));
        assertThat(second.lookupPrefix(keys(blocks))).isEqualTo(3);
        for (Block block : blocks) {
            assertThat(second.get(block.key())).contains(block);
        }
        assertThat(second.counters(1).hits()).isEqualTo(3);
    }

    @Test
    void aDamagedDiskCopyIsAMissAndIsRemovedNeverServed() throws IOException {
        MemoryTier memory = memory(2);
        DiskTier disk = disk(1 << 20, ChannelOpener.DEFAULT);
        BlockStore store = store(memory, disk);
        List<Block> blocks = blocks(TENANT, 3, PAGE); // blocks[0] is demoted
        store.put(blocks);
        Path file = onlyBlockFile();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() - 1);
            int last = raf.read();
            raf.seek(raf.length() - 1);
            raf.write(last ^ 0xFF); // the last payload byte: only the payload checksum can tell
        }

        assertThat(store.get(blocks.get(0).key())).isEmpty();

        assertThat(store.misses()).isEqualTo(1);
        assertThat(disk.health().corrupt()).isEqualTo(1);
        assertThat(Files.exists(file)).isFalse();
        assertThat(store.lookupPrefix(List.of(blocks.get(0).key()))).isZero();
    }

    @Test
    void aFullDiskNeverFailsAPutAndLeavesNoPartialFiles() throws IOException {
        AtomicLong space = new AtomicLong(5000); // room for about one block
        DiskTier disk = disk(1 << 20, FaultyChannel.failingAfter(space));
        BlockStore store = store(memory(4), disk);
        List<Block> blocks = blocks(TENANT, 12, 3000); // three pages each: every put evicts

        for (Block block : blocks) {
            assertThat(store.put(List.of(block)).stored()).isEqualTo(1);
        }

        assertThat(disk.health().state()).isEqualTo(TierState.READ_ONLY);
        assertThat(disk.health().failures()).isGreaterThanOrEqualTo(1);
        assertThat(store.get(blocks.get(11).key())).as("memory still serves").contains(blocks.get(11));
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(f -> f.toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void tenantsStayApartInEveryTier() {
        BlockStore store = store(memory(1), disk(1 << 20, ChannelOpener.DEFAULT));
        Tenant other = new Tenant("other");
        byte[] hash = data.hash();
        Block mine = data.block(BlockKey.of(TENANT, hash), 500);
        store.put(List.of(mine, data.block(data.key(TENANT), 500))); // mine is demoted to disk

        BlockKey probe = BlockKey.of(other, hash);
        assertThat(store.get(probe)).isEmpty();
        assertThat(store.lookupPrefix(List.of(probe))).isZero();
        assertThat(store.delete(List.of(probe))).isZero();
        assertThat(store.stats(other).blocks()).isZero();
        Block theirs = data.block(probe, 700);
        store.put(List.of(theirs));

        assertThat(store.get(mine.key())).contains(mine);
        assertThat(store.get(theirs.key())).contains(theirs);
    }

    @Test
    void lookupPrefixCountsKeysHeldByAnyTier() {
        BlockStore store = store(memory(2), disk(1 << 20, ChannelOpener.DEFAULT));
        List<Block> blocks = blocks(TENANT, 4, PAGE);
        store.put(blocks); // 0 and 1 on disk, 2 and 3 in memory
        List<BlockKey> chain = new ArrayList<>(keys(blocks));
        chain.add(data.key(TENANT));

        assertThat(store.lookupPrefix(chain)).isEqualTo(4);
        assertThat(store.delete(chain)).isEqualTo(4);
        assertThat(store.lookupPrefix(chain)).isZero();
    }

    @Test
    void diskEvictionsAreDemotedToRedisAndRedisHitsArePromotedToMemory() {
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"))) {
            List<Block> blocks = blocks(TENANT, 6, PAGE);
            long perFile = 1100; // a 1 KiB payload plus a header of about 60 bytes
            BlockStore store = store(memory(2), disk(2 * perFile, ChannelOpener.DEFAULT), redis(redis.uri()));

            store.put(blocks); // memory: 4, 5; disk: 2, 3; Redis: 0, 1

            assertThat(store.counters(2).demotions()).isEqualTo(2);
            assertThat(store.tiers().get(2).contains(blocks.get(0).key())).isTrue();
            assertThat(store.lookupPrefix(keys(blocks))).isEqualTo(6);
            assertThat(store.get(blocks.get(0).key())).contains(blocks.get(0));
            assertThat(store.counters(2).hits()).isEqualTo(1);
            assertThat(store.counters(2).promotions()).isEqualTo(1);
            assertThat(store.tiers().get(0).contains(blocks.get(0).key())).isTrue();
            for (Block block : blocks) {
                assertThat(store.get(block.key())).contains(block);
            }
            store.close();
        }
    }

    @Test
    void anUnreachableRedisNeverFailsARequest() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        BlockStore store = store(memory(2), redis("redis://127.0.0.1:" + closedPort));
        List<Block> blocks = blocks(TENANT, 8, PAGE);

        store.put(blocks);

        for (Block block : blocks.subList(6, 8)) {
            assertThat(store.get(block.key())).contains(block);
        }
        assertThat(store.get(blocks.get(0).key())).isEmpty();
        assertThat(store.lookupPrefix(keys(blocks))).isZero();
        assertThat(store.delete(keys(blocks.subList(0, 1)))).isZero();
        assertThat(store.stats(TENANT).blocks()).isEqualTo(2);
        assertThat(store.tiers().get(1).health().state()).isEqualTo(TierState.OFF);
    }

    // ---- helpers ----

    private BlockStore store(BlockTier... tiers) {
        BlockStore store = new BlockStore(List.of(tiers), LIMITS, Duration.ofSeconds(30));
        open.add(store);
        return store;
    }

    private static MemoryTier memory(int pages) {
        return new MemoryTier((long) pages * PAGE, PAGE);
    }

    private DiskTier disk(long capacity, ChannelOpener opener) {
        return new DiskTier(dir.resolve("disk"), capacity, Duration.ofSeconds(30), opener, clock);
    }

    /** Generous deadlines: these tests are about where blocks go, not about timeouts (RedisTierTest has those). */
    private RedisTier redis(String uri) {
        return new RedisTier(new RedisSettings(uri, 1 << 20, "test-" + UUID.randomUUID(), Duration.ofSeconds(2),
                Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(10), clock));
    }

    private List<Block> blocks(Tenant tenant, int count, int size) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(data.block(data.key(tenant), size));
        }
        return out;
    }

    private static List<BlockKey> keys(List<Block> blocks) {
        return blocks.stream().map(Block::key).toList();
    }

    private Path onlyBlockFile() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> blocks = files.filter(f -> f.toString().endsWith(".blk")).toList();
            assertThat(blocks).hasSize(1);
            return blocks.get(0);
        }
    }
}
