package dev.specula.kvstore.tier.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts that keep the Redis tier bounded. Each runs atomically inside Redis, so several store replicas can
 * share one Redis and its byte budget without races: a put evicts least recently used records (by the logical clock
 * in {@code {ns}:clock}) until the new one fits, and the per-tenant byte counts move with every put, eviction and
 * delete.
 *
 * <p>Every script gets the same five keys: data, lru, size, usage, clock ({@link RedisKeys}). Scripts go by SHA
 * ({@code EVALSHA}); after a Redis restart has flushed its script cache, the first call falls back to {@code EVAL}.
 */
final class RedisScripts {

    /** Removes one record and its bookkeeping; returns the bytes freed (0 if it was not accounted). */
    private static final String DROP_FUNCTION = """
            local function drop(member, prefix)
              redis.call('DEL', prefix .. member)
              redis.call('ZREM', KEYS[2], member)
              local size = redis.call('HGET', KEYS[3], member)
              if not size then return 0 end
              size = tonumber(size)
              redis.call('HDEL', KEYS[3], member)
              local tenant = string.sub(member, 1, %d)
              if redis.call('HINCRBY', KEYS[4], tenant .. ':blocks', -1) <= 0 then
                redis.call('HDEL', KEYS[4], tenant .. ':blocks', tenant .. ':bytes')
              else
                redis.call('HINCRBY', KEYS[4], tenant .. ':bytes', -size)
              end
              redis.call('HINCRBY', KEYS[4], 'total:blocks', -1)
              redis.call('HINCRBY', KEYS[4], 'total:bytes', -size)
              return size
            end
            """.formatted(RedisKeys.TENANT_DIGEST_CHARS);

    /**
     * ARGV: member, record, budget, data-key prefix. Returns {1 stored | 0 existing | -1 larger than the budget,
     * records evicted}.
     */
    static final Script PUT = new Script(DROP_FUNCTION + """
            local member, record, budget, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
            if redis.call('EXISTS', KEYS[1]) == 1 then
              redis.call('ZADD', KEYS[2], 'XX', redis.call('INCR', KEYS[5]), member)
              return {0, 0}
            end
            local size = string.len(record)
            if size > budget then return {-1, 0} end
            if redis.call('HEXISTS', KEYS[3], member) == 1 then drop(member, prefix) end -- books of a record Redis evicted
            local used = tonumber(redis.call('HGET', KEYS[4], 'total:bytes') or '0')
            local evicted = 0
            while used + size > budget do
              local eldest = redis.call('ZPOPMIN', KEYS[2])
              if #eldest == 0 then
                used = 0
                redis.call('HSET', KEYS[4], 'total:bytes', 0, 'total:blocks', 0)
                break
              end
              used = used - drop(eldest[1], prefix)
              evicted = evicted + 1
            end
            local tenant = string.sub(member, 1, %d)
            redis.call('SET', KEYS[1], record)
            redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), member)
            redis.call('HSET', KEYS[3], member, size)
            redis.call('HINCRBY', KEYS[4], tenant .. ':blocks', 1)
            redis.call('HINCRBY', KEYS[4], tenant .. ':bytes', size)
            redis.call('HINCRBY', KEYS[4], 'total:blocks', 1)
            redis.call('HINCRBY', KEYS[4], 'total:bytes', size)
            return {1, evicted}
            """.formatted(RedisKeys.TENANT_DIGEST_CHARS));

    /**
     * ARGV: member, data-key prefix. Returns the record and marks it most recently used, or nil. A record that the
     * books list but Redis no longer has (evicted by Redis's own maxmemory policy) is struck from the books.
     */
    static final Script GET = new Script(DROP_FUNCTION + """
            local record = redis.call('GET', KEYS[1])
            if record then
              redis.call('ZADD', KEYS[2], 'XX', redis.call('INCR', KEYS[5]), ARGV[1])
              return record
            end
            if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then drop(ARGV[1], ARGV[2]) end
            return false
            """);

    /** ARGV: member, data-key prefix. Returns 1 if a record or its bookkeeping was removed, else 0. */
    static final Script REMOVE = new Script(DROP_FUNCTION + """
            local present = redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1
            drop(ARGV[1], ARGV[2])
            if present then return 1 end
            return 0
            """);

    /** KEYS: data keys of a hash chain, in order. Returns how many leading ones exist. */
    static final Script PREFIX = new Script("""
            for i, key in ipairs(KEYS) do
              if redis.call('EXISTS', key) == 0 then return i - 1 end
            end
            return #KEYS
            """);

    private RedisScripts() {
    }

    /** A script and its SHA-1, as Redis names cached scripts. */
    record Script(String text, String sha) {

        Script(String text) {
            this(text, sha1(text));
        }

        /** EVALSHA, then EVAL if Redis does not know the script (yet, or since a restart). */
        <T> CompletionStage<T> run(RedisAsyncCommands<byte[], byte[]> redis, ScriptOutputType type, byte[][] keys,
                byte[]... args) {
            CompletionStage<T> bySha = redis.evalsha(sha, type, keys, args);
            return bySha.exceptionallyCompose(error -> unwrap(error) instanceof RedisNoScriptException
                    ? redis.<T>eval(text, type, keys, args)
                    : CompletableFuture.failedStage(error));
        }

        private static Throwable unwrap(Throwable error) {
            return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        }

        private static String sha1(String text) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM provides SHA-1", e);
            }
        }
    }
}
