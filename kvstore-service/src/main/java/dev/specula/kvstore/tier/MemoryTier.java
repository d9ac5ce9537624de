package dev.specula.kvstore.tier;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.service.error.OverloadedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bounded off-heap tier: payloads live in a {@link PageArena}, metadata in an access-ordered map whose eldest
 * entry is the least recently used block, evicted first when a put needs pages.
 *
 * <p>One lock guards the map and the arena, and payloads are copied while holding it: a reader can then never see
 * pages that an eviction has handed to another block. A copy runs at memory speed (about a millisecond for an 8 MiB
 * block); lock striping can come when measurements ask for it. Evicted blocks that are to be demoted are copied out
 * under the same lock (their pages are reused at once) and handed back to the caller, which writes them to the next
 * tier after the lock is released: a slow disk never stalls memory readers.
 */
public final class MemoryTier implements BlockTier {

    /** Where a block's bytes are and what the writer said about them; payloads never sit on the heap. */
    private record Entry(String codec, int tokenCount, int crc32c, int size, int[] pages) {
    }

    private final PageArena arena;
    private final LinkedHashMap<BlockKey, Entry> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private final Map<Tenant, TenantUsage> tenants = new HashMap<>();
    private long bytes;
    private long evictions;

    /**
     * @param capacityBytes budget for payload pages, never exceeded
     * @param pageBytes     allocation unit; a block wastes less than one page
     */
    public MemoryTier(long capacityBytes, int pageBytes) {
        this.arena = new PageArena(capacityBytes, pageBytes);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public synchronized boolean fits(int payloadBytes) {
        return arena.pagesFor(payloadBytes) <= arena.totalPages();
    }

    @Override
    public synchronized PutResult put(Block block, boolean collectEvicted) {
        if (entries.get(block.key()) != null) {
            return PutResult.EXISTING;
        }
        List<Block> evicted = collectEvicted ? new ArrayList<>() : null;
        int[] pages = allocate(block.size(), evicted);
        arena.write(pages, block.payload());
        entries.put(block.key(), new Entry(block.codec(), block.tokenCount(), block.crc32c(), block.size(), pages));
        account(block.key().tenant(), 1, block.size());
        return new PutResult(PutOutcome.STORED, evicted == null ? List.of() : evicted);
    }

    @Override
    public synchronized Optional<Block> get(BlockKey key) {
        Entry entry = entries.get(key);
        return entry == null ? Optional.empty() : Optional.of(copyOut(key, entry));
    }

    @Override
    public synchronized boolean contains(BlockKey key) {
        return entries.get(key) != null;
    }

    @Override
    public synchronized boolean remove(BlockKey key) {
        Entry entry = entries.remove(key);
        if (entry == null) {
            return false;
        }
        drop(key, entry);
        return true;
    }

    @Override
    public synchronized TierUsage usage() {
        return new TierUsage(entries.size(), bytes, arena.capacityBytes(), evictions);
    }

    @Override
    public synchronized TenantUsage usage(Tenant tenant) {
        return tenants.getOrDefault(tenant, TenantUsage.NONE);
    }

    /** Everything: off-heap memory does not survive the process. Iteration order of the map is least recent first. */
    @Override
    public synchronized List<BlockKey> volatileKeys() {
        return List.copyOf(entries.keySet());
    }

    /** Test hook: flips one payload byte of a stored block in place, as a bit flip in RAM would. */
    synchronized boolean corrupt(BlockKey key, int byteIndex) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return false;
        }
        int pageBytes = arena.pageBytes();
        arena.flipByte(entry.pages()[byteIndex / pageBytes], byteIndex % pageBytes);
        return true;
    }

    /**
     * Pages for {@code size} bytes, evicting least recently used blocks until they are free.
     *
     * @param evicted receives copies of the evicted blocks; null when nobody wants them
     */
    private int[] allocate(int size, List<Block> evicted) {
        int needed = arena.pagesFor(size);
        int[] pages;
        while ((pages = arena.allocate(needed)) == null) {
            if (needed > arena.totalPages() || entries.isEmpty()) { // totalPages shrinks if direct memory runs out
                throw new OverloadedException("memory tier cannot hold a " + size + "-byte block (capacity "
                        + arena.capacityBytes() + " bytes)");
            }
            evictEldest(evicted);
        }
        return pages;
    }

    private void evictEldest(List<Block> evicted) {
        Iterator<Map.Entry<BlockKey, Entry>> eldest = entries.entrySet().iterator();
        Map.Entry<BlockKey, Entry> victim = eldest.next();
        if (evicted != null) {
            evicted.add(copyOut(victim.getKey(), victim.getValue())); // before its pages are released and reused
        }
        eldest.remove();
        drop(victim.getKey(), victim.getValue());
        evictions++;
    }

    private Block copyOut(BlockKey key, Entry entry) {
        ByteBuffer payload = ByteBuffer.wrap(arena.read(entry.pages(), entry.size()));
        return new Block(key, entry.codec(), entry.tokenCount(), entry.crc32c(), payload);
    }

    private void drop(BlockKey key, Entry entry) {
        arena.release(entry.pages());
        account(key.tenant(), -1, -entry.size());
    }

    private void account(Tenant tenant, int blocks, long size) {
        bytes += size;
        TenantUsage after = tenants.getOrDefault(tenant, TenantUsage.NONE).plus(blocks, size);
        if (after.blocks() == 0) {
            tenants.remove(tenant); // bounded by stored blocks: tenants with nothing stored leave no trace
        } else {
            tenants.put(tenant, after);
        }
    }
}
