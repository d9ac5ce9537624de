package dev.specula.runtime.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keys recently seen in the store (put, looked up or fetched), so that sessions sharing a prefix do not each
 * send the same blocks again. Only a hint: a forgotten key costs one redundant put, a stale one (the store
 * evicted the block) costs a later miss. Bounded LRU; thread-safe.
 */
final class RecentKeys {
    private final Map<Hash256, Boolean> keys;

    RecentKeys(int capacity) {
        this.keys = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Hash256, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized boolean contains(Hash256 key) {
        return keys.get(key) != null;
    }

    synchronized void add(Hash256 key) {
        keys.put(key, Boolean.TRUE);
    }
}
