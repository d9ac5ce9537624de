package dev.specula.kvstore.tier.redis;

import dev.specula.kvstore.block.BlockKey;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Key names under one namespace. All keys share the hash tag {@code {namespace}}, so the scripts that touch several
 * of them stay valid on a Redis Cluster (they land in one slot).
 *
 * <pre>
 * {ns}:b:&lt;tenant&gt;:&lt;key&gt;   string  record: header + payload (BlockRecord)
 * {ns}:lru                 zset    member &lt;tenant&gt;:&lt;key&gt;, score = logical access time
 * {ns}:size                hash    member → record bytes
 * {ns}:usage               hash    &lt;tenant&gt;:blocks, &lt;tenant&gt;:bytes, total:blocks, total:bytes
 * {ns}:clock               string  counter behind the lru scores (no wall clocks: replicas may disagree)
 * </pre>
 * {@code <tenant>} is the tenant's 32-hex-digit digest and {@code <key>} all 64 hex digits of the block hash, so one
 * tenant's keys never name another's blocks (and the record header carries the full key as a second check).
 */
final class RedisKeys {

    /** Length of the tenant digest at the start of every member; the scripts cut it off to find the tenant. */
    static final int TENANT_DIGEST_CHARS = 32;

    private final String prefix;
    private final byte[] dataPrefix;
    final byte[] lru;
    final byte[] size;
    final byte[] usage;
    final byte[] clock;

    RedisKeys(String namespace) {
        this.prefix = "{" + namespace + "}:";
        this.dataPrefix = bytes(prefix + "b:");
        this.lru = bytes(prefix + "lru");
        this.size = bytes(prefix + "size");
        this.usage = bytes(prefix + "usage");
        this.clock = bytes(prefix + "clock");
    }

    /** The bookkeeping member of a block: tenant digest, colon, key hash. */
    static byte[] member(BlockKey key) {
        return bytes(key.tenant().digest() + ":" + HexFormat.of().formatHex(key.hash()));
    }

    byte[] data(BlockKey key) {
        byte[] member = member(key);
        byte[] out = new byte[dataPrefix.length + member.length];
        System.arraycopy(dataPrefix, 0, out, 0, dataPrefix.length);
        System.arraycopy(member, 0, out, dataPrefix.length, member.length);
        return out;
    }

    /** Prefix of data keys; the scripts append a member to name an evicted block's record. */
    byte[] dataPrefix() {
        return dataPrefix.clone();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
