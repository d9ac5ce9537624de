package dev.specula.kvstore.tier.disk;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local-disk tier: one plain file per block (see {@link DiskLayout}), bounded in bytes, surviving restarts.
 *
 * <p><b>Publishing.</b> A block is written to a unique temporary file, fsynced, and renamed to its final name; the
 * rename is the only step readers can observe, so a block is on disk whole or not at all, whatever fails or crashes
 * in between. Temporaries left by a crash are swept when the tier opens.
 *
 * <p><b>Reading.</b> Every read checks the header (magic, version, header CRC32C, the full key) and the payload
 * CRC32C. A damaged file is a miss: it is deleted and counted, never served.
 *
 * <p><b>Budget.</b> Header plus payload bytes of all files (and of writes in flight) never exceed the capacity; the
 * least recently used files are evicted first. Evicted blocks can be handed back for demotion to the next tier.
 *
 * <p><b>Degrading.</b> A failed write (ENOSPC, EIO, a failed rename) removes the partial temporary and turns the
 * tier {@link TierState#READ_ONLY}: it keeps serving what it holds, skips writes, and lets one write through every
 * {@code retryAfter} to find out whether the disk recovered. If the directory cannot be opened at all the tier is
 * {@link TierState#OFF}. Neither fails a request; the memory tier and recomputation carry on.
 *
 * <p><b>Locking.</b> One lock guards the index; file contents are read and written outside it, so a slow disk
 * delays only the calls that touch it. Renames and deletes happen under the lock, which keeps the index and the
 * directory in step (a delete of an evicted file can never remove a newer copy of the same key). A file lock on
 * {@code <dir>/.lock} keeps a second process (or a second instance in this JVM) out of the directory.
 */
public final class DiskTier implements BlockTier {

    private static final Logger log = LoggerFactory.getLogger(DiskTier.class);

    private final DiskLayout layout;
    private final long capacityBytes;
    private final long retryAfterNanos;
    private final ChannelOpener opener;
    private final LongSupplier nanoClock;
    private final DiskIndex index = new DiskIndex();
    /** Keys being written: a second put of the same key reports EXISTING instead of writing it twice. */
    private final Set<BlockKey> pending = new HashSet<>();
    private final LongAdder failures = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private long reservedBytes;
    private long evictions;
    private volatile TierState state = TierState.OFF;
    private long retryAtNanos;
    private FileChannel lockChannel;

    /**
     * Opens (creating if needed) the tier in {@code directory} and indexes what is there. Never throws for an
     * unusable directory: the tier is then OFF, says why in the log, and the store runs without it.
     *
     * @param retryAfter how long a read-only tier waits before letting one write try again
     */
    public DiskTier(Path directory, long capacityBytes, Duration retryAfter, ChannelOpener opener,
            LongSupplier nanoClock) {
        if (capacityBytes <= BlockRecord.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("disk capacity must exceed " + BlockRecord.MAX_HEADER_BYTES
                    + " bytes, got " + capacityBytes);
        }
        this.layout = new DiskLayout(directory.toAbsolutePath());
        this.capacityBytes = capacityBytes;
        this.retryAfterNanos = retryAfter.toNanos();
        this.opener = opener;
        this.nanoClock = nanoClock;
        open();
    }

    /** The production tier: real file channels and the system clock. */
    public static DiskTier open(Path directory, long capacityBytes, Duration retryAfter) {
        return new DiskTier(directory, capacityBytes, retryAfter, ChannelOpener.DEFAULT, System::nanoTime);
    }

    @Override
    public String name() {
        return "disk";
    }

    public Path directory() {
        return layout.directory();
    }

    @Override
    public boolean fits(int payloadBytes) {
        return (long) BlockRecord.MAX_HEADER_BYTES + payloadBytes <= capacityBytes;
    }

    @Override
    public PutResult put(Block block, boolean collectEvicted) {
        ByteBuffer header = BlockRecord.header(block);
        long fileBytes = header.remaining() + (long) block.size();
        if (fileBytes > capacityBytes) {
            return PutResult.SKIPPED;
        }
        BlockKey key = block.key();
        List<Victim> victims;
        boolean reserved;
        synchronized (this) {
            if (index.touch(key) != null || pending.contains(key)) {
                return PutResult.EXISTING;
            }
            if (!writable()) {
                failures.increment();
                return PutResult.SKIPPED;
            }
            victims = makeRoom(fileBytes, collectEvicted);
            // The rest of the budget may be held by writes in flight; then this copy is dropped, not waited for.
            reserved = index.bytes() + reservedBytes + fileBytes <= capacityBytes;
            if (reserved) {
                reservedBytes += fileBytes;
                pending.add(key);
            }
        }
        List<Block> evicted = readVictims(victims);
        return new PutResult(reserved ? publish(block, header, fileBytes) : PutOutcome.SKIPPED, evicted);
    }

    @Override
    public Optional<Block> get(BlockKey key) {
        DiskIndex.Entry entry;
        synchronized (this) {
            entry = index.touch(key);
        }
        if (entry == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(BlockRecord.decode(read(layout.file(key), entry.fileBytes), key));
        } catch (NoSuchFileException gone) {
            discard(entry); // evicted meanwhile (then a no-op), or deleted behind our back: forget it
            return Optional.empty();
        } catch (CorruptRecordException e) {
            corrupt.increment();
            log.warn("damaged KV block file {} ({}); deleted it and reported a miss", layout.file(key),
                    e.getMessage());
            discard(entry);
            return Optional.empty();
        } catch (IOException e) {
            failures.increment();
            log.warn("cannot read KV block file {} ({}); dropped it and reported a miss", layout.file(key),
                    e.toString());
            discard(entry);
            return Optional.empty();
        }
    }

    @Override
    public synchronized boolean contains(BlockKey key) {
        return index.touch(key) != null;
    }

    @Override
    public synchronized boolean remove(BlockKey key) {
        DiskIndex.Entry entry = index.remove(key);
        if (entry == null) {
            return false;
        }
        delete(layout.file(key));
        return true;
    }

    @Override
    public synchronized TierUsage usage() {
        return new TierUsage(index.size(), index.bytes(), capacityBytes, evictions);
    }

    @Override
    public synchronized TenantUsage usage(Tenant tenant) {
        return index.usage(tenant);
    }

    @Override
    public TierHealth health() {
        return new TierHealth(state, failures.sum(), corrupt.sum());
    }

    /** Releases the directory lock; files stay for the next start. */
    @Override
    public synchronized void close() {
        state = TierState.OFF;
        releaseLock();
    }

    // ---- opening ----

    private synchronized void open() {
        try {
            Files.createDirectories(layout.root());
            lock();
            DiskScan.Result scan = DiskScan.scan(layout);
            for (DiskScan.Found found : scan.found()) {
                index.add(new DiskIndex.Entry(found.header().key(), found.fileBytes()));
            }
            corrupt.add(scan.deletedCorrupt());
            makeRoom(0, false); // the capacity may have been lowered since the last run
            state = TierState.OK;
            log.info("disk tier {}: {} blocks, {} of {} bytes; swept {} temporaries, deleted {} damaged, evicted {} "
                    + "over budget", layout.directory(), index.size(), index.bytes(), capacityBytes,
                    scan.sweptTemporaries(), scan.deletedCorrupt(), evictions);
        } catch (IOException | RuntimeException e) {
            state = TierState.OFF;
            failures.increment();
            releaseLock();
            log.error("disk tier {} is OFF ({}); the store continues without it", layout.directory(), e.toString());
        }
    }

    private void lock() throws IOException {
        lockChannel = FileChannel.open(layout.directory().resolve(DiskLayout.LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        }
        if (lock == null) {
            throw new IOException("directory is in use by another KV store");
        }
    }

    private void releaseLock() {
        if (lockChannel != null) {
            try {
                lockChannel.close(); // releases the lock
            } catch (IOException e) {
                log.debug("closing the disk tier lock file", e);
            }
            lockChannel = null;
        }
    }

    // ---- writing ----

    /** Writes a temporary, fsyncs it and renames it into place; any failure leaves nothing behind. */
    private PutOutcome publish(Block block, ByteBuffer header, long fileBytes) {
        Path file = layout.file(block.key());
        Path temporary = DiskLayout.temporaryFor(file);
        boolean published = false;
        try {
            Files.createDirectories(file.getParent());
            write(temporary, header, block.payload());
            synchronized (this) {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
                index.add(new DiskIndex.Entry(block.key(), fileBytes));
                published = true;
            }
            syncDirectory(file.getParent());
            recovered();
            return PutOutcome.STORED;
        } catch (IOException | UncheckedIOException e) {
            degrade(e);
            return PutOutcome.SKIPPED;
        } finally {
            synchronized (this) {
                reservedBytes -= fileBytes;
                pending.remove(block.key());
            }
            if (!published) {
                delete(temporary); // whatever failed, no partial temporary is left behind
            }
        }
    }

    private void write(Path temporary, ByteBuffer header, ByteBuffer payload) throws IOException {
        ByteBuffer[] parts = {header.duplicate(), payload.duplicate()};
        try (FileChannel channel = opener.openNew(temporary)) {
            long left = parts[0].remaining() + (long) parts[1].remaining();
            while (left > 0) {
                left -= channel.write(parts);
            }
            channel.force(true); // the bytes are durable before the name points at them
        }
    }

    /** Makes the rename itself durable. Not every file system can fsync a directory; that only costs durability. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {}", directory, e);
        }
    }

    /** Whether a write may go ahead; a read-only tier lets one through per retry period (caller holds the lock). */
    private boolean writable() {
        if (state == TierState.OK) {
            return true;
        }
        if (state == TierState.READ_ONLY && nanoClock.getAsLong() - retryAtNanos >= 0) {
            retryAtNanos = nanoClock.getAsLong() + retryAfterNanos;
            return true;
        }
        return false;
    }

    private void degrade(Exception cause) {
        failures.increment();
        synchronized (this) {
            retryAtNanos = nanoClock.getAsLong() + retryAfterNanos;
            if (state != TierState.OK) {
                return; // already degraded (or closed): one log line per transition, not per write
            }
            state = TierState.READ_ONLY;
        }
        log.error("disk tier {} is READ_ONLY after a failed write ({}); it keeps serving what it holds and retries "
                + "a write in {} s", layout.directory(), cause.toString(), retryAfterNanos / 1_000_000_000L);
    }

    private void recovered() {
        synchronized (this) {
            if (state != TierState.READ_ONLY) {
                return;
            }
            state = TierState.OK;
        }
        log.info("disk tier {} accepts writes again", layout.directory());
    }

    // ---- eviction ----

    /** A file taken out of the index to make room; {@code moved} holds its bytes when it is to be demoted. */
    private record Victim(BlockKey key, Path moved) {
    }

    /**
     * Evicts least recently used files until {@code incoming} more bytes fit (caller holds the lock). Files to be
     * demoted are renamed to temporaries, so that they are read after the lock is released and swept if the
     * process dies first; the others are deleted at once.
     */
    private List<Victim> makeRoom(long incoming, boolean collect) {
        List<Victim> victims = new ArrayList<>();
        while (index.bytes() + reservedBytes + incoming > capacityBytes) {
            DiskIndex.Entry eldest = index.removeEldest();
            if (eldest == null) {
                break;
            }
            evictions++;
            Path file = layout.file(eldest.key);
            if (!collect) {
                delete(file);
                continue;
            }
            Path moved = DiskLayout.temporaryFor(file);
            try {
                Files.move(file, moved, StandardCopyOption.ATOMIC_MOVE);
                victims.add(new Victim(eldest.key, moved));
            } catch (IOException e) {
                delete(file);
            }
        }
        return victims;
    }

    /** Loads evicted blocks for demotion and deletes their files; a damaged one is dropped, not demoted. */
    private List<Block> readVictims(List<Victim> victims) {
        List<Block> blocks = new ArrayList<>(victims.size());
        for (Victim victim : victims) {
            try {
                ByteBuffer record = read(victim.moved(), -1);
                blocks.add(BlockRecord.decode(record, victim.key()));
            } catch (CorruptRecordException e) {
                corrupt.increment();
                log.warn("evicted KV block {} was damaged ({}); dropped instead of demoted", victim.key(),
                        e.getMessage());
            } catch (IOException e) {
                failures.increment();
                log.warn("cannot read evicted KV block {} ({}); dropped instead of demoted", victim.key(),
                        e.toString());
            } finally {
                delete(victim.moved());
            }
        }
        return blocks;
    }

    // ---- file helpers ----

    /**
     * The whole file in a heap buffer.
     *
     * @param expectedBytes the size the index recorded, or -1 to take the file as it is; any other size means the
     *                      file was truncated or extended behind our back
     */
    private static ByteBuffer read(Path file, long expectedBytes) throws IOException, CorruptRecordException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (expectedBytes >= 0 && size != expectedBytes) {
                throw new CorruptRecordException("file is " + size + " bytes, expected " + expectedBytes);
            }
            if (size > Integer.MAX_VALUE) {
                throw new CorruptRecordException("file of " + size + " bytes is larger than any block");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // FileChannel reads return what the file has; loop until full or end of file
            }
            return buffer.flip();
        }
    }

    /** Drops a damaged or unreadable file, unless a newer copy of the key was published meanwhile. */
    private synchronized void discard(DiskIndex.Entry entry) {
        if (index.peek(entry.key) == entry) {
            index.remove(entry.key);
            delete(layout.file(entry.key));
        }
    }

    private void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            failures.increment();
            log.warn("cannot delete {} ({})", file, e.toString());
        }
    }
}
