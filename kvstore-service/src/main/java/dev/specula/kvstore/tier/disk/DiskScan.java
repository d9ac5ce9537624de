package dev.specula.kvstore.tier.disk;

import dev.specula.kvstore.block.BlockRecord;
import dev.specula.kvstore.block.CorruptRecordException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the index when the tier opens: deletes temporaries a crash left behind, reads each block's header (not its
 * payload: a large tier reopens in the time it takes to read a few hundred bytes per file) and deletes files whose
 * header is damaged, whose length disagrees with it, or that lie under a name other than their key's. Payload
 * checksums are verified later, on read.
 *
 * <p>Recency is not stored (a metadata write per hit would cost more than it saves), so the rebuilt LRU order is the
 * order files were last written: oldest first to go.
 */
final class DiskScan {

    private static final Logger log = LoggerFactory.getLogger(DiskScan.class);

    /** A valid block file. */
    record Found(BlockRecord.Header header, long fileBytes, long modifiedMillis) {
    }

    /** Valid files, oldest first, and what was cleaned up. */
    record Result(List<Found> found, int sweptTemporaries, int deletedCorrupt) {
    }

    private DiskScan() {
    }

    static Result scan(DiskLayout layout) throws IOException {
        List<Found> found = new ArrayList<>();
        int[] swept = new int[1];
        int[] corrupt = new int[1];
        Files.walkFileTree(layout.root(), new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (!attributes.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                if (DiskLayout.isTemporary(file)) {
                    Files.deleteIfExists(file);
                    swept[0]++;
                } else if (DiskLayout.isBlockFile(file)) {
                    try {
                        found.add(check(layout, file, attributes));
                    } catch (CorruptRecordException e) {
                        log.warn("deleting damaged KV block file {}: {}", file, e.getMessage());
                        Files.deleteIfExists(file);
                        corrupt[0]++;
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            /** One unreadable directory or file costs its blocks, not the whole tier. */
            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                log.warn("skipping unreadable {} while indexing the disk tier: {}", file, e.toString());
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(Comparator.comparingLong(Found::modifiedMillis));
        return new Result(found, swept[0], corrupt[0]);
    }

    private static Found check(DiskLayout layout, Path file, BasicFileAttributes attributes)
            throws IOException, CorruptRecordException {
        long size = attributes.size();
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, BlockRecord.MAX_HEADER_BYTES));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (head.hasRemaining() && channel.read(head) >= 0) {
                // read until the header bytes are in or the file ends
            }
        }
        BlockRecord.Header header = BlockRecord.readHeader(head.flip());
        if (!layout.file(header.key()).equals(file)) {
            throw new CorruptRecordException("holds key " + header.key() + ", which belongs elsewhere");
        }
        if (size != header.recordBytes()) {
            throw new CorruptRecordException("file is " + size + " bytes, header says " + header.recordBytes());
        }
        return new Found(header, size, attributes.lastModifiedTime().toMillis());
    }
}
