package dev.specula.kvstore.tier;

import java.nio.ByteBuffer;
import java.util.BitSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Off-heap memory cut into fixed-size pages. A block takes whole pages that need not be adjacent, so any free page
 * serves any block and the arena never fragments; the price is less than one page of slack per block.
 *
 * <p>Memory comes from the JVM in slabs of direct buffers (at most 64 MiB each), allocated on first use and then
 * kept, so the heap never holds payloads and the JVM's GC never has to free direct memory on our behalf. Lowest free
 * pages are handed out first, so slabs fill in order and a lightly used store touches little memory. If the JVM
 * refuses a slab (direct-memory limit), the arena shrinks to the slabs it has instead of throwing
 * OutOfMemoryError; the store keeps working with a smaller budget.
 *
 * <p>Not thread-safe: {@link MemoryTier} guards every call.
 */
final class PageArena {

    private static final Logger log = LoggerFactory.getLogger(PageArena.class);
    private static final long MAX_SLAB_BYTES = 64L << 20;

    private final int pageBytes;
    private final int pagesPerSlab;
    private final ByteBuffer[] slabs;
    private final BitSet free;
    private int totalPages;
    private int freePages;

    /** @param capacityBytes budget; rounded down to whole pages, so the arena never exceeds it */
    PageArena(long capacityBytes, int pageBytes) {
        long pages = capacityBytes / pageBytes;
        if (pages < 1 || pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("capacity must hold 1.." + Integer.MAX_VALUE + " pages of "
                    + pageBytes + " bytes, got " + capacityBytes + " bytes");
        }
        this.pageBytes = pageBytes;
        this.totalPages = (int) pages;
        this.freePages = totalPages;
        this.pagesPerSlab = (int) Math.min(totalPages, Math.max(1, MAX_SLAB_BYTES / pageBytes));
        this.slabs = new ByteBuffer[(totalPages + pagesPerSlab - 1) / pagesPerSlab];
        this.free = new BitSet(totalPages);
        free.set(0, totalPages);
    }

    int pageBytes() {
        return pageBytes;
    }

    int totalPages() {
        return totalPages;
    }

    int freePages() {
        return freePages;
    }

    long capacityBytes() {
        return (long) totalPages * pageBytes;
    }

    int pagesFor(long bytes) {
        return (int) ((bytes + pageBytes - 1) / pageBytes);
    }

    /** {@code count} free pages, lowest first; null if there are not that many (the caller evicts and retries). */
    int[] allocate(int count) {
        if (count > freePages) {
            return null;
        }
        int[] pages = new int[count];
        int page = -1;
        for (int i = 0; i < count; i++) {
            page = free.nextSetBit(page + 1);
            if (!ensureSlab(page / pagesPerSlab)) {
                return null;
            }
            pages[i] = page;
        }
        for (int p : pages) {
            free.clear(p);
        }
        freePages -= count;
        return pages;
    }

    void release(int[] pages) {
        for (int p : pages) {
            free.set(p);
        }
        freePages += pages.length;
    }

    /** Copies {@code src}'s remaining bytes into the pages, in order. */
    void write(int[] pages, ByteBuffer src) {
        ByteBuffer in = src.duplicate();
        for (int p : pages) {
            int n = Math.min(pageBytes, in.remaining());
            slab(p).put(offset(p), in, in.position(), n);
            in.position(in.position() + n);
        }
    }

    /** Copies the first {@code length} bytes held in the pages into a fresh heap array. */
    byte[] read(int[] pages, int length) {
        byte[] out = new byte[length];
        int done = 0;
        for (int p : pages) {
            int n = Math.min(pageBytes, length - done);
            slab(p).get(offset(p), out, done, n);
            done += n;
        }
        return out;
    }

    /** Test hook: inverts one byte in place, as a bit flip in RAM would. */
    void flipByte(int page, int offsetInPage) {
        ByteBuffer slab = slab(page);
        int at = offset(page) + offsetInPage;
        slab.put(at, (byte) ~slab.get(at));
    }

    private ByteBuffer slab(int page) {
        return slabs[page / pagesPerSlab];
    }

    private int offset(int page) {
        return (page % pagesPerSlab) * pageBytes;
    }

    private boolean ensureSlab(int index) {
        if (slabs[index] != null) {
            return true;
        }
        int pages = Math.min(pagesPerSlab, totalPages - index * pagesPerSlab);
        try {
            slabs[index] = ByteBuffer.allocateDirect(pages * pageBytes);
            return true;
        } catch (OutOfMemoryError directMemoryLimit) {
            shrinkTo(index * pagesPerSlab);
            log.warn("JVM refused {} bytes of direct memory; KV memory tier shrinks to {} bytes "
                    + "(raise -XX:MaxDirectMemorySize or lower specula.kvstore.memory-bytes)",
                    (long) pages * pageBytes, capacityBytes());
            return false;
        }
    }

    /** Drops pages from {@code pages} on; they all lie in slabs never allocated, so all of them are free. */
    private void shrinkTo(int pages) {
        freePages -= totalPages - pages;
        free.clear(pages, totalPages);
        totalPages = pages;
    }
}
