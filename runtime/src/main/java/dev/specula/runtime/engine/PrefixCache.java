package dev.specula.runtime.engine;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verifier's own bounded cache of exported KV blocks (heap byte arrays in the {@code KvBlockLayout}
 * format), least recently used out first. Sessions sharing a prompt prefix (a system prompt, the previous turn
 * of a chat) import these instead of prefilling. Keys are full 256-bit chain keys. Thread-safe.
 */
public final class PrefixCache {
    private final long capacityBytes;
    private final LinkedHashMap<Hash256, byte[]> blocks = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long evictions;

    /** @param capacityBytes 0 disables the cache */
    public PrefixCache(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("prefix cache capacity must be >= 0, got " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    /** How many leading keys of {@code chain} are cached (those blocks then count as recently used). */
    public synchronized int longestPrefix(List<Hash256> chain) {
        int n = 0;
        while (n < chain.size() && blocks.get(chain.get(n)) != null) {
            n++;
        }
        return n;
    }

    /**
     * The blocks of {@code chain[0, count)}, stopping at the first one no longer cached (another thread may
     * have evicted it since {@link #longestPrefix}).
     */
    public synchronized List<byte[]> get(List<Hash256> chain, int count) {
        List<byte[]> found = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] block = blocks.get(chain.get(i));
            if (block == null) {
                break;
            }
            found.add(block);
        }
        return found;
    }

    public synchronized boolean contains(Hash256 key) {
        return blocks.containsKey(key);
    }

    /**
     * Caches a block (kept as is: callers never modify a block after handing it over). Blocks larger than the
     * whole cache are not kept; older blocks are dropped until the new one fits.
     */
    public synchronized void put(Hash256 key, byte[] block) {
        if (block.length > capacityBytes || blocks.containsKey(key)) {
            return;
        }
        Iterator<Map.Entry<Hash256, byte[]>> eldest = blocks.entrySet().iterator();
        while (bytes + block.length > capacityBytes && eldest.hasNext()) {
            bytes -= eldest.next().getValue().length;
            eldest.remove();
            evictions++;
        }
        blocks.put(key, block);
        bytes += block.length;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int blockCount() {
        return blocks.size();
    }

    public synchronized long evictions() {
        return evictions;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public boolean enabled() {
        return capacityBytes > 0;
    }
}
