package dev.specula.kvstore;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the KV store, {@code specula.kvstore.*}, mapped 1:1 from the Helm values. Invalid combinations fail
 * at startup with the offending key in the message.
 *
 * @param memoryBytes         off-heap budget of the memory tier; never exceeded (rounded down to whole pages)
 * @param pageBytes           allocation unit of the memory tier, a power of two in [1KB, 1MB]; each block wastes
 *                            less than one page, so keep it well below the typical block size
 * @param maxBlockBytes       largest payload accepted per block; must stay below
 *                            {@code spring.grpc.server.inbound.message.max-size} (16MB) to be sendable at all
 * @param maxKeysPerRequest   most keys per Get/Lookup/Delete request, and most blocks per PutBlocks message
 * @param streamStallTimeout  a GetBlocks stream whose client reads nothing for this long is ended with
 *                            DEADLINE_EXCEEDED, freeing the block it holds
 * @param flushTimeout        at shutdown, how long blocks held only in memory may take to be demoted to the disk (or
 *                            Redis) tier, so that a restart keeps them; 0 = do not flush
 * @param disk                the local-disk tier, {@code specula.kvstore.disk.*}
 * @param redis               the optional Redis tier, {@code specula.kvstore.redis.*}
 * @param fence               the stale-writer fence, {@code specula.kvstore.fence.*}
 */
@ConfigurationProperties(prefix = "specula.kvstore", ignoreUnknownFields = false)
public record KvStoreProperties(
        @DefaultValue("256MB") DataSize memoryBytes,
        @DefaultValue("16KB") DataSize pageBytes,
        @DefaultValue("8MB") DataSize maxBlockBytes,
        @DefaultValue("1024") int maxKeysPerRequest,
        @DefaultValue("30s") Duration streamStallTimeout,
        @DefaultValue("20s") Duration flushTimeout,
        @DefaultValue Disk disk,
        @DefaultValue Redis redis,
        @DefaultValue Fencing fence) {

    private static final long MAX_BLOCK_LIMIT = 1L << 30;

    public KvStoreProperties {
        long page = pageBytes.toBytes();
        if (page < 1024 || page > (1 << 20) || Long.bitCount(page) != 1) {
            throw new IllegalArgumentException("specula.kvstore.page-bytes must be a power of two in [1KB, 1MB], got "
                    + pageBytes);
        }
        if (memoryBytes.toBytes() < page || memoryBytes.toBytes() / page > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("specula.kvstore.memory-bytes must hold 1.." + Integer.MAX_VALUE
                    + " pages of " + pageBytes + ", got " + memoryBytes);
        }
        if (maxBlockBytes.toBytes() < 1 || maxBlockBytes.toBytes() > MAX_BLOCK_LIMIT) {
            throw new IllegalArgumentException("specula.kvstore.max-block-bytes must be in [1B, 1GB], got "
                    + maxBlockBytes);
        }
        if (maxKeysPerRequest < 1 || maxKeysPerRequest > 1_000_000) {
            throw new IllegalArgumentException("specula.kvstore.max-keys-per-request must be in [1, 1000000], got "
                    + maxKeysPerRequest);
        }
        if (streamStallTimeout.isNegative() || streamStallTimeout.isZero()) {
            throw new IllegalArgumentException("specula.kvstore.stream-stall-timeout must be positive, got "
                    + streamStallTimeout);
        }
        if (flushTimeout.isNegative()) {
            throw new IllegalArgumentException("specula.kvstore.flush-timeout must not be negative, got "
                    + flushTimeout);
        }
    }

    /**
     * The local-disk tier. Off unless a path is set: the directory belongs to one store process (a lock file keeps
     * a second one out), so a shared default would collide when several stores run on one machine.
     *
     * @param path         directory of the tier, created if missing; empty = no disk tier
     * @param bytes        budget of all block files (header plus payload); least recently used files go first
     * @param retryAfter   a tier that turned read-only after a write error lets one write try again this often
     */
    public record Disk(
            @DefaultValue("") String path,
            @DefaultValue("4GB") DataSize bytes,
            @DefaultValue("30s") Duration retryAfter) {

        public Disk {
            if (bytes.toBytes() < (1 << 20)) {
                throw new IllegalArgumentException("specula.kvstore.disk.bytes must be at least 1MB, got " + bytes);
            }
            positive(retryAfter, "disk.retry-after");
        }

        public boolean enabled() {
            return !path.isBlank();
        }
    }

    /**
     * The Redis tier. Off unless a URI is set.
     *
     * @param uri            {@code redis://[user:password@]host:port[/db]} or {@code rediss://...}; empty = no Redis
     * @param bytes          budget of all records in the namespace, enforced inside Redis by the put script; keep
     *                       Redis's {@code maxmemory} above it
     * @param namespace      key prefix; replicas sharing it share blocks and budget
     * @param lookupTimeout  get, presence and usage calls; a slower answer is a miss
     * @param writeTimeout   put and delete calls (whole blocks travel)
     * @param connectTimeout TCP connect and handshake; calls still wait no longer than their own timeout
     * @param breakerWait    how long the circuit stays open after Redis failed before one call probes it again
     */
    public record Redis(
            @DefaultValue("") String uri,
            @DefaultValue("1GB") DataSize bytes,
            @DefaultValue("specula:kv") String namespace,
            @DefaultValue("50ms") Duration lookupTimeout,
            @DefaultValue("500ms") Duration writeTimeout,
            @DefaultValue("1s") Duration connectTimeout,
            @DefaultValue("10s") Duration breakerWait) {

        private static final Duration MAX_LOOKUP_TIMEOUT = Duration.ofSeconds(1);
        private static final Duration MAX_WRITE_TIMEOUT = Duration.ofSeconds(60);

        public Redis {
            if (!uri.isBlank() && !uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
                throw new IllegalArgumentException("specula.kvstore.redis.uri must start with redis:// or rediss://, "
                        + "got '" + uri + "'");
            }
            if (bytes.toBytes() < (1 << 20)) {
                throw new IllegalArgumentException("specula.kvstore.redis.bytes must be at least 1MB, got " + bytes);
            }
            if (namespace.isEmpty() || !namespace.matches("[A-Za-z0-9:_.-]+")) {
                throw new IllegalArgumentException("specula.kvstore.redis.namespace must be letters, digits and "
                        + ":_.- only, got '" + namespace + "'");
            }
            positive(lookupTimeout, "redis.lookup-timeout");
            if (lookupTimeout.compareTo(MAX_LOOKUP_TIMEOUT) > 0) {
                throw new IllegalArgumentException("specula.kvstore.redis.lookup-timeout must be at most 1s (a slow "
                        + "cache is worse than none), got " + lookupTimeout);
            }
            positive(writeTimeout, "redis.write-timeout");
            if (writeTimeout.compareTo(MAX_WRITE_TIMEOUT) > 0) {
                throw new IllegalArgumentException("specula.kvstore.redis.write-timeout must be at most 60s, got "
                        + writeTimeout);
            }
            positive(connectTimeout, "redis.connect-timeout");
            positive(breakerWait, "redis.breaker-wait");
        }

        public boolean enabled() {
            return !uri.isBlank();
        }
    }

    /**
     * The stale-writer fence (RELIABILITY.md #24): the newest epoch per (tenant, generation) is remembered for this
     * many generations and this long after its last write; a forgotten generation admits any epoch again.
     *
     * @param maxGenerations generations remembered, least recently written dropped first (about 200 bytes each)
     * @param ttl            how long after its last write a generation is remembered
     */
    public record Fencing(
            @DefaultValue("100000") int maxGenerations,
            @DefaultValue("1h") Duration ttl) {

        public Fencing {
            if (maxGenerations < 1) {
                throw new IllegalArgumentException("specula.kvstore.fence.max-generations must be positive, got "
                        + maxGenerations);
            }
            positive(ttl, "fence.ttl");
        }
    }

    private static void positive(Duration value, String key) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("specula.kvstore." + key + " must be positive, got " + value);
        }
    }
}
