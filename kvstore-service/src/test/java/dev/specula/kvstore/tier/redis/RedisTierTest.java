package dev.specula.kvstore.tier.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.BlockRecord;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.block.TestBlocks;
import dev.specula.kvstore.testing.FakeClock;
import dev.specula.kvstore.testing.RedisServer;
import dev.specula.netem.DelayProxy;
import dev.specula.netem.LinkProfile;
import dev.specula.kvstore.tier.PutOutcome;
import dev.specula.kvstore.tier.TenantUsage;
import dev.specula.kvstore.tier.TierState;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Redis tier against a real redis-server on a loopback port (RELIABILITY.md #11). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTierTest {

    private static final Tenant TENANT = new Tenant("t");
    private static final Duration LOOKUP = Duration.ofMillis(50);
    /**
     * What a failed lookup may take on a loaded 2-core machine: the 50 ms timeout plus scheduling noise, and well
     * below the 1 s connect timeout, so a lookup that waited for a connection attempt would fail the test.
     */
    private static final Duration LOOKUP_BOUND = Duration.ofMillis(500);

    @TempDir
    static Path dir;

    private RedisServer server;
    private RedisClient rawClient;
    private StatefulRedisConnection<byte[], byte[]> raw;
    private final TestBlocks data = new TestBlocks(9);
    private final FakeClock clock = new FakeClock();
    private final List<RedisTier> tiers = new ArrayList<>();

    @BeforeAll
    void startRedis() {
        server = RedisServer.start(dir.resolve("redis"));
        connectRaw();
    }

    @AfterAll
    void stopRedis() {
        raw.close();
        rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        server.close();
    }

    @AfterEach
    void closeTiers() {
        tiers.forEach(RedisTier::close);
    }

    @Test
    void putGetRoundTripsAndIsContentAddressed() {
        RedisTier tier = tier(server.uri(), 1 << 20);
        Block block = data.block(data.key(TENANT), 20_000);

        assertThat(tier.put(block)).isEqualTo(PutOutcome.STORED);
        assertThat(tier.put(block)).isEqualTo(PutOutcome.EXISTING);

        assertThat(tier.get(block.key())).contains(block);
        assertThat(tier.contains(block.key())).isTrue();
        assertThat(tier.get(data.key(TENANT))).isEmpty();
        long recordBytes = BlockRecord.headerBytes(block) + 20_000L;
        assertThat(tier.usage(TENANT)).isEqualTo(new TenantUsage(1, recordBytes));
        assertThat(tier.usage().bytes()).isEqualTo(recordBytes);
        assertThat(tier.remove(block.key())).isTrue();
        assertThat(tier.remove(block.key())).isFalse();
        assertThat(tier.usage(TENANT)).isEqualTo(TenantUsage.NONE);
        assertThat(tier.health().state()).isEqualTo(TierState.OK);
    }

    @Test
    void evictsLeastRecentlyUsedRecordsToStayWithinTheBudget() {
        int payload = 10_000;
        long record = BlockRecord.headerBytes(data.block(data.key(TENANT), 1)) + payload;
        RedisTier tier = tier(server.uri(), 4 * record);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(data.block(data.key(TENANT), payload));
            tier.put(blocks.get(i));
        }
        tier.get(blocks.get(0).key()); // blocks[1] is now the least recently used

        tier.put(data.block(data.key(TENANT), payload));

        assertThat(tier.contains(blocks.get(1).key())).isFalse();
        assertThat(tier.contains(blocks.get(0).key())).isTrue();
        assertThat(tier.usage(TENANT).blocks()).isEqualTo(4);
        assertThat(tier.usage(TENANT).bytes()).isEqualTo(4 * record).isLessThanOrEqualTo(4 * record);
        assertThat(tier.usage().evictions()).isEqualTo(1);
        assertThat(tier.put(data.block(data.key(TENANT), (int) (4 * record)))).isEqualTo(PutOutcome.SKIPPED);
    }

    @Test
    void tenantsAreSeparateNamespaces() {
        RedisTier tier = tier(server.uri(), 1 << 20);
        byte[] hash = data.hash();
        Tenant other = new Tenant("other");
        Block mine = data.block(BlockKey.of(TENANT, hash), 100);
        tier.put(mine);

        assertThat(tier.get(BlockKey.of(other, hash))).isEmpty();
        assertThat(tier.contains(BlockKey.of(other, hash))).isFalse();
        assertThat(tier.remove(BlockKey.of(other, hash))).isFalse();
        Block theirs = data.block(BlockKey.of(other, hash), 300);
        assertThat(tier.put(theirs)).isEqualTo(PutOutcome.STORED);

        assertThat(tier.get(mine.key())).contains(mine);
        assertThat(tier.get(theirs.key())).contains(theirs);
        assertThat(tier.usage(TENANT).blocks()).isEqualTo(1);
        assertThat(tier.usage(other).blocks()).isEqualTo(1);
    }

    @Test
    void aDamagedRecordIsAMissAndIsDeleted() {
        RedisTier tier = tier(server.uri(), 1 << 20);
        Block block = data.block(data.key(TENANT), 5000);
        tier.put(block);
        byte[] key = keysOf(tier).data(block.key());
        byte[] value = raw.sync().get(key);
        value[value.length - 7] ^= 0x10;
        raw.sync().set(key, value);

        assertThat(tier.get(block.key())).isEmpty();

        assertThat(raw.sync().exists(key)).isZero();
        assertThat(tier.health().corrupt()).isEqualTo(1);
        assertThat(tier.usage(TENANT)).isEqualTo(TenantUsage.NONE);
    }

    @Test
    void presentPrefixAnswersAWholeChainInOneCall() {
        RedisTier tier = tier(server.uri(), 1 << 20);
        List<BlockKey> chain = List.of(data.key(TENANT), data.key(TENANT), data.key(TENANT), data.key(TENANT));
        for (int i : new int[] {0, 1, 3}) {
            tier.put(data.block(chain.get(i), 100));
        }

        assertThat(tier.presentPrefix(chain)).isEqualTo(2);
        assertThat(tier.presentPrefix(chain.subList(3, 4))).isEqualTo(1);
        assertThat(tier.presentPrefix(List.of())).isZero();
    }

    @Test
    void scriptsAreReloadedAfterRedisForgetsThem() {
        RedisTier tier = tier(server.uri(), 1 << 20);
        Block block = data.block(data.key(TENANT), 100);
        tier.put(block);
        raw.sync().scriptFlush();

        assertThat(tier.get(block.key())).contains(block);
    }

    @Test
    void recordsThatRedisEvictedItselfAreStruckFromTheBooks() {
        RedisTier tier = tier(server.uri(), 1 << 20);
        Block block = data.block(data.key(TENANT), 100);
        tier.put(block);
        raw.sync().del(keysOf(tier).data(block.key())); // as maxmemory-policy allkeys-lru would

        assertThat(tier.get(block.key())).isEmpty();
        assertThat(tier.usage(TENANT)).isEqualTo(TenantUsage.NONE);

        Block again = data.block(data.key(TENANT), 100);
        tier.put(again);
        raw.sync().del(keysOf(tier).data(again.key()));
        assertThat(tier.put(again)).as("stored anew, counted once").isEqualTo(PutOutcome.STORED);
        assertThat(tier.usage(TENANT).blocks()).isEqualTo(1);
    }

    @Test
    void aClosedPortIsAMissWithinTheTimeoutAndOpensTheCircuit() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RedisTier tier = strictTier("redis://127.0.0.1:" + closedPort, 1 << 20);
        Block block = data.block(data.key(TENANT), 100);

        for (int i = 0; i < RedisBreaker.MINIMUM_CALLS; i++) {
            assertMissWithinBound(tier, block.key());
        }

        assertThat(tier.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(tier.health().state()).isEqualTo(TierState.OFF);
        assertThat(tier.put(block)).isEqualTo(PutOutcome.SKIPPED);
        assertThat(tier.contains(block.key())).isFalse();
        assertThat(tier.remove(block.key())).isFalse();
        assertThat(tier.usage(TENANT)).isEqualTo(TenantUsage.NONE);
        assertThat(tier.health().failures()).isGreaterThanOrEqualTo(RedisBreaker.MINIMUM_CALLS + 4);

        long[] nanos = new long[100]; // with the circuit open a lookup does not even try: a miss at once
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            assertThat(tier.get(block.key())).isEmpty();
            nanos[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(nanos);
        assertThat(Duration.ofNanos(nanos[49])).as("median").isLessThan(Duration.ofMillis(5));
        assertThat(Duration.ofNanos(nanos[98])).as("p99").isLessThan(LOOKUP_BOUND);
    }

    @Test
    void aServerThatNeverAnswersIsAMissWithinTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // accepts, reads nothing, answers nothing
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            RedisTier tier = strictTier("redis://127.0.0.1:" + silent.getLocalPort(), 1 << 20);
            BlockKey key = data.key(TENANT);

            for (int i = 0; i < RedisBreaker.MINIMUM_CALLS; i++) {
                assertMissWithinBound(tier, key);
            }
            assertThat(tier.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
            assertMissWithinBound(tier, key);
        }
    }

    @Test
    void aKilledServerIsAMissAndTheCircuitClosesWhenItIsBack() {
        RedisTier tier = strictTier(server.uri(), 1 << 20);
        Block block = data.block(data.key(TENANT), 100);
        tier.put(block);

        server.kill();
        try {
            for (int i = 0; i < RedisBreaker.MINIMUM_CALLS; i++) {
                assertMissWithinBound(tier, block.key());
            }
            assertThat(tier.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
        } finally {
            server.restart(); // empty: the server keeps nothing across restarts
            connectRaw();
        }
        assertThat(tier.put(block)).as("still open: no call reaches Redis").isEqualTo(PutOutcome.SKIPPED);

        // Past the 10 s wait the next call probes. A connection attempt begun while Redis was down may still fail
        // that probe (the circuit then waits again), so the probes go on, each after another wait, until one
        // reaches the restarted server: a bounded number, on the test's clock.
        PutOutcome probe = PutOutcome.SKIPPED;
        for (int attempt = 0; attempt < 20 && probe != PutOutcome.STORED; attempt++) {
            clock.advance(Duration.ofSeconds(11));
            probe = tier.put(block);
        }

        assertThat(probe).isEqualTo(PutOutcome.STORED);
        assertThat(tier.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(raw.sync().exists(keysOf(tier).data(block.key()))).isEqualTo(1);
    }

    /**
     * A connection attempt begun while the link was partitioned is still pending when the link heals and then fails
     * (its half-made connection is cut). The next call joins that attempt, sees it fail, and must make one of its own
     * instead of failing with it.
     */
    @Test
    void aCallThatJoinsAFailingStaleConnectionAttemptConnectsAnew() throws IOException {
        try (DelayProxy link = new DelayProxy("127.0.0.1", server.port(), LinkProfile.NONE)) {
            Duration lookup = Duration.ofMillis(300);
            RedisTier tier = tier("redis://127.0.0.1:" + link.port(), 1 << 20, lookup, Duration.ofSeconds(5));
            Block block = data.block(data.key(TENANT), 100);
            assertThat(tier.put(block)).isEqualTo(PutOutcome.STORED);
            for (int i = 0; i < 3; i++) { // with these, 2 failures of 7 calls: the circuit stays closed (< 50%)
                assertThat(tier.get(block.key())).isPresent();
            }

            link.blackHole();
            assertThat(tier.get(block.key())).as("no reply on the open connection: it is dropped").isEmpty();
            assertThat(tier.get(block.key())).as("a new attempt hangs in the partition").isEmpty();
            link.cutConnections(); // the pending attempt's connection dies...
            link.heal(); // ...and Redis is reachable again

            assertThat(tier.get(block.key())).as("read through a fresh connection").isPresent();
            assertThat(tier.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }

    // ---- helpers ----

    /**
     * A tier with the production lookup deadline (50 ms), for the tests about unavailability. Writes get longer, so
     * that the writes those tests need to succeed do so on a loaded machine too.
     */
    private RedisTier strictTier(String uri, long capacity) {
        return tier(uri, capacity, LOOKUP, Duration.ofSeconds(5));
    }

    /**
     * A tier with generous deadlines, for the tests about what Redis stores: on a loaded 2-core machine a 50 ms
     * deadline can pass before the reply is read, which is a correct miss but not what those tests look at.
     */
    private RedisTier tier(String uri, long capacity) {
        return tier(uri, capacity, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    private RedisTier tier(String uri, long capacity, Duration lookup, Duration write) {
        RedisSettings settings = new RedisSettings(uri, capacity, "test-" + UUID.randomUUID(), lookup, write,
                Duration.ofSeconds(1), Duration.ofSeconds(10), clock);
        RedisTier tier = new RedisTier(settings);
        tiers.add(tier);
        return tier;
    }

    private static RedisKeys keysOf(RedisTier tier) {
        return tier.keys();
    }

    private static void assertMissWithinBound(RedisTier tier, BlockKey key) {
        long start = System.nanoTime();
        assertThat(tier.get(key)).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LOOKUP_BOUND);
    }

    private void connectRaw() {
        if (rawClient == null) {
            rawClient = RedisClient.create(server.uri());
        } else {
            raw.close();
        }
        raw = rawClient.connect(ByteArrayCodec.INSTANCE);
    }
}
