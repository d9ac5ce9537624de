package dev.specula.kvstore.tier.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens the channel a block is written through. The disk tier's only seam to the file system's write path, so tests
 * can hand it a channel that fails after N bytes (ENOSPC, EIO) and check that nothing partial is ever visible.
 */
@FunctionalInterface
public interface ChannelOpener {

    /** Plain {@link FileChannel#open}; the file must not exist yet (temporary names are unique). */
    ChannelOpener DEFAULT = path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    FileChannel openNew(Path path) throws IOException;
}
