package dev.specula.kvstore.tier.redis;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.BlockRecord;
import dev.specula.kvstore.block.CorruptRecordException;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.kvstore.tier.PutOutcome;
import dev.specula.kvstore.tier.PutResult;
import dev.specula.kvstore.tier.TenantUsage;
import dev.specula.kvstore.tier.TierHealth;
import dev.specula.kvstore.tier.TierState;
import dev.specula.kvstore.tier.TierUsage;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional remote tier: records (header plus payload, {@link BlockRecord}) in a real Redis, bounded by a byte
 * budget that Lua scripts enforce inside Redis ({@link RedisScripts}), keyed by tenant digest and full key hash
 * ({@link RedisKeys}).
 *
 * <p>Redis is a cache here, never a dependency: every call has a short deadline (lookups 50 ms by default), a
 * circuit breaker turns an outage into immediate misses, and no method throws for an unreachable or slow Redis. A
 * get verifies the record's header, key and CRC32C like the disk tier does; a damaged record is deleted and missed.
 * As the last tier, it drops what it evicts.
 *
 * <p>If Redis's own {@code maxmemory} policy evicts records behind the scripts' back, a later get notices the gap and
 * strikes the record from the books; set {@code maxmemory} above the budget (or {@code noeviction}) so that the
 * budget, not Redis, decides what goes.
 */
public final class RedisTier implements BlockTier {

    private static final Logger log = LoggerFactory.getLogger(RedisTier.class);
    /** Usage is read from Redis at most this often; metrics scrapes and Stats calls share the snapshot. */
    private static final long USAGE_MAX_AGE_NANOS = 1_000_000_000L;

    private final RedisSettings settings;
    private final RedisKeys keys;
    private final RedisClient client;
    private final RedisLink link;
    private final LongAdder failures = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private volatile long[] usageSnapshot = {0, 0};
    private volatile long usageReadAt = System.nanoTime() - 2 * USAGE_MAX_AGE_NANOS;

    public RedisTier(RedisSettings settings) {
        this.settings = settings;
        this.keys = new RedisKeys(settings.namespace());
        RedisURI uri = RedisURI.create(settings.uri());
        uri.setTimeout(settings.connectTimeout()); // bounds the connection handshake
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                // The breaker decides when to try again; Lettuce would otherwise queue commands while reconnecting.
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(settings.connectTimeout()).build())
                // A backstop only: calls give up after their own deadline and cancel the command.
                .timeoutOptions(TimeoutOptions.enabled(max(settings.writeTimeout(), settings.connectTimeout())))
                .build());
        String target = uri.getHost() + ":" + uri.getPort();
        CircuitBreaker breaker = RedisBreaker.create(settings, target);
        this.link = new RedisLink(client, uri, breaker);
        link.warmUp();
        log.info("Redis tier at {} (namespace {}, budget {} bytes)", target, settings.namespace(),
                settings.capacityBytes());
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public boolean fits(int payloadBytes) {
        return (long) BlockRecord.MAX_HEADER_BYTES + payloadBytes <= settings.capacityBytes();
    }

    /** The last tier: nothing is demoted out of Redis, so {@code collectEvicted} is ignored. */
    @Override
    public PutResult put(Block block, boolean collectEvicted) {
        byte[] record = BlockRecord.encode(block);
        if (record.length > settings.capacityBytes()) {
            return PutResult.SKIPPED;
        }
        try {
            List<Object> reply = link.call(settings.writeTimeout(), redis -> RedisScripts.PUT.<List<Object>>run(redis,
                    ScriptOutputType.MULTI, scriptKeys(block.key()), RedisKeys.member(block.key()), record,
                    ascii(Long.toString(settings.capacityBytes())), keys.dataPrefix()));
            long outcome = (Long) reply.get(0);
            evictions.add((Long) reply.get(1));
            return outcome > 0 ? new PutResult(PutOutcome.STORED, List.of())
                    : outcome == 0 ? PutResult.EXISTING : PutResult.SKIPPED;
        } catch (RedisUnavailableException e) {
            return fallback("put", e, PutResult.SKIPPED);
        }
    }

    @Override
    public Optional<Block> get(BlockKey key) {
        byte[] record;
        try {
            record = link.call(settings.lookupTimeout(), redis -> RedisScripts.GET.<byte[]>run(redis,
                    ScriptOutputType.VALUE, scriptKeys(key), RedisKeys.member(key), keys.dataPrefix()));
        } catch (RedisUnavailableException e) {
            return fallback("get", e, Optional.empty());
        }
        if (record == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(BlockRecord.decode(ByteBuffer.wrap(record), key));
        } catch (CorruptRecordException e) {
            corrupt.increment();
            log.warn("damaged Redis record for block {} ({}); deleted it and reported a miss", key, e.getMessage());
            remove(key);
            return Optional.empty();
        }
    }

    @Override
    public boolean contains(BlockKey key) {
        return presentPrefix(List.of(key)) == 1;
    }

    /** One round trip for the whole chain, however long. */
    @Override
    public int presentPrefix(List<BlockKey> chain) {
        if (chain.isEmpty()) {
            return 0;
        }
        byte[][] dataKeys = chain.stream().map(keys::data).toArray(byte[][]::new);
        try {
            Long prefix = link.call(settings.lookupTimeout(),
                    redis -> RedisScripts.PREFIX.<Long>run(redis, ScriptOutputType.INTEGER, dataKeys));
            return prefix.intValue();
        } catch (RedisUnavailableException e) {
            return fallback("lookup", e, 0);
        }
    }

    @Override
    public boolean remove(BlockKey key) {
        try {
            Long removed = link.call(settings.writeTimeout(), redis -> RedisScripts.REMOVE.<Long>run(redis,
                    ScriptOutputType.INTEGER, scriptKeys(key), RedisKeys.member(key), keys.dataPrefix()));
            return removed == 1;
        } catch (RedisUnavailableException e) {
            return fallback("delete", e, false);
        }
    }

    /** Namespace-wide, from a snapshot at most a second old; the last known figures while Redis is unreachable. */
    @Override
    public TierUsage usage() {
        if (System.nanoTime() - usageReadAt > USAGE_MAX_AGE_NANOS) {
            usageReadAt = System.nanoTime();
            long[] read = readUsage("total");
            if (read != null) {
                usageSnapshot = read;
            }
        }
        long[] snapshot = usageSnapshot;
        return new TierUsage(snapshot[0], snapshot[1], settings.capacityBytes(), evictions.sum());
    }

    @Override
    public TenantUsage usage(Tenant tenant) {
        long[] read = readUsage(tenant.digest());
        return read == null ? TenantUsage.NONE : new TenantUsage(read[0], read[1]);
    }

    @Override
    public TierHealth health() {
        CircuitBreaker.State state = link.breaker().getState();
        return new TierHealth(state == CircuitBreaker.State.CLOSED ? TierState.OK : TierState.OFF, failures.sum(),
                corrupt.sum());
    }

    /** Key names, for tests that reach into Redis directly. */
    RedisKeys keys() {
        return keys;
    }

    public CircuitBreaker.State circuitState() {
        return link.breaker().getState();
    }

    @Override
    public void close() {
        link.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    // ---- helpers ----

    private byte[][] scriptKeys(BlockKey key) {
        return new byte[][] {keys.data(key), keys.lru, keys.size, keys.usage, keys.clock};
    }

    /** {blocks, bytes} under {@code <owner>:blocks} and {@code <owner>:bytes}; null if Redis did not answer. */
    private long[] readUsage(String owner) {
        try {
            List<KeyValue<byte[], byte[]>> values = link.call(settings.lookupTimeout(),
                    redis -> redis.hmget(keys.usage, ascii(owner + ":blocks"), ascii(owner + ":bytes")));
            return new long[] {number(values.get(0)), number(values.get(1))};
        } catch (RedisUnavailableException e) {
            return fallback("usage", e, null);
        }
    }

    private <T> T fallback(String operation, RedisUnavailableException e, T answer) {
        failures.increment();
        log.debug("Redis {} failed ({}); answered as a miss", operation, e.getMessage());
        return answer;
    }

    private static long number(KeyValue<byte[], byte[]> value) {
        return value.hasValue() ? Long.parseLong(new String(value.getValue(), StandardCharsets.US_ASCII)) : 0;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
