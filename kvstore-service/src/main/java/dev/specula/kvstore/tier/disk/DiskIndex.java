package dev.specula.kvstore.tier.disk;

import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.tier.TenantUsage;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What is on disk, in memory: key → file size, in least-recently-used order, with byte totals per tenant. Rebuilt
 * from the record headers on start. Not thread-safe; {@link DiskTier} guards it.
 */
final class DiskIndex {

    /** One published file. Compared by identity: a reader drops only the entry it read, never a newer one. */
    static final class Entry {
        final BlockKey key;
        final long fileBytes;

        Entry(BlockKey key, long fileBytes) {
            this.key = key;
            this.fileBytes = fileBytes;
        }
    }

    private final LinkedHashMap<BlockKey, Entry> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private final Map<Tenant, TenantUsage> tenants = new HashMap<>();
    private long bytes;

    /** The entry, now the most recently used; null if absent. */
    Entry touch(BlockKey key) {
        return entries.get(key);
    }

    /** The entry without changing the order. */
    Entry peek(BlockKey key) {
        return entries.getOrDefault(key, null);
    }

    void add(Entry entry) {
        Entry previous = entries.put(entry.key, entry);
        if (previous != null) {
            account(previous, -1);
        }
        account(entry, 1);
    }

    Entry remove(BlockKey key) {
        Entry entry = entries.remove(key);
        if (entry != null) {
            account(entry, -1);
        }
        return entry;
    }

    /** Removes and returns the least recently used entry; null when empty. */
    Entry removeEldest() {
        Iterator<Entry> eldest = entries.values().iterator();
        if (!eldest.hasNext()) {
            return null;
        }
        Entry entry = eldest.next();
        eldest.remove();
        account(entry, -1);
        return entry;
    }

    List<Entry> all() {
        return List.copyOf(entries.values());
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes;
    }

    TenantUsage usage(Tenant tenant) {
        return tenants.getOrDefault(tenant, TenantUsage.NONE);
    }

    private void account(Entry entry, int sign) {
        bytes += sign * entry.fileBytes;
        TenantUsage after = usage(entry.key.tenant()).plus(sign, sign * entry.fileBytes);
        if (after.blocks() == 0) {
            tenants.remove(entry.key.tenant()); // tenants with nothing stored leave no trace
        } else {
            tenants.put(entry.key.tenant(), after);
        }
    }
}
