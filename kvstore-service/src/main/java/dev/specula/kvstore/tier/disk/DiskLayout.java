package dev.specula.kvstore.tier.disk;

import dev.specula.kvstore.block.BlockKey;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where blocks live on disk: {@code <dir>/v1/<tenant>/<kk>/<key>.blk}.
 *
 * <ul>
 *   <li>{@code v1}: the record format version, so a later format lives beside this one instead of being misread;</li>
 *   <li>{@code <tenant>}: {@link dev.specula.kvstore.block.Tenant#digest()}. Tenant names may hold any printable
 *       character, so they are hashed into safe file names; a collision could only put two tenants in one directory,
 *       and the full tenant name in each record's header still keeps them apart;</li>
 *   <li>{@code <kk>}: the first byte of the key, 256 subdirectories so that no directory grows huge;</li>
 *   <li>{@code <key>}: all 64 hex digits of the key hash, never a truncated prefix (RELIABILITY.md #15).</li>
 * </ul>
 * A block is written under a unique {@code *.tmp} name in its final directory and renamed into place, so it appears
 * whole or not at all; temporaries left by a crash are swept on start.
 */
final class DiskLayout {

    static final String FORMAT_DIR = "v1";
    static final String BLOCK_SUFFIX = ".blk";
    static final String TMP_SUFFIX = ".tmp";
    static final String LOCK_FILE = ".lock";

    private static final HexFormat HEX = HexFormat.of();

    private final Path directory;
    private final Path root;

    DiskLayout(Path directory) {
        this.directory = directory;
        this.root = directory.resolve(FORMAT_DIR);
    }

    /** The configured directory; holds the lock file and the format directories. */
    Path directory() {
        return directory;
    }

    /** The directory of this record format; everything below it is ours to index, sweep and delete. */
    Path root() {
        return root;
    }

    Path file(BlockKey key) {
        String hex = HEX.formatHex(key.hash());
        return root.resolve(key.tenant().digest()).resolve(hex.substring(0, 2)).resolve(hex + BLOCK_SUFFIX);
    }

    /** A fresh temporary name beside {@code file}, unique even when two writers race for the same key. */
    static Path temporaryFor(Path file) {
        return file.resolveSibling(file.getFileName() + "." + HEX.toHexDigits(ThreadLocalRandom.current().nextLong())
                + TMP_SUFFIX);
    }

    static boolean isBlockFile(Path file) {
        return file.getFileName().toString().endsWith(BLOCK_SUFFIX);
    }

    static boolean isTemporary(Path file) {
        return file.getFileName().toString().endsWith(TMP_SUFFIX);
    }
}
