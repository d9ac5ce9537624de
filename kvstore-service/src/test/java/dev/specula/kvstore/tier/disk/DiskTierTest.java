package dev.specula.kvstore.tier.disk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.BlockRecord;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.block.TestBlocks;
import dev.specula.kvstore.testing.FakeClock;
import dev.specula.kvstore.tier.PutOutcome;
import dev.specula.kvstore.tier.PutResult;
import dev.specula.kvstore.tier.TenantUsage;
import dev.specula.kvstore.tier.TierState;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTierTest {

    private static final Tenant TENANT = new Tenant("t");
    private static final Duration RETRY = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final TestBlocks data = new TestBlocks(5);
    private final FakeClock clock = new FakeClock();
    private final List<DiskTier> opened = new ArrayList<>();

    @AfterEach
    void closeTiers() {
        opened.forEach(DiskTier::close);
    }

    @Test
    void storesOnceReadsBackAndPublishesOnlyWholeFiles() throws IOException {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        Block block = data.block(data.key(TENANT), 5000);

        assertThat(tier.put(block)).isEqualTo(PutOutcome.STORED);
        assertThat(tier.put(block)).isEqualTo(PutOutcome.EXISTING);

        assertThat(tier.get(block.key())).contains(block);
        assertThat(tier.contains(block.key())).isTrue();
        long fileBytes = BlockRecord.headerBytes(block) + 5000L;
        assertThat(tier.usage().bytes()).isEqualTo(fileBytes);
        assertThat(tier.usage(TENANT)).isEqualTo(new TenantUsage(1, fileBytes));
        assertThat(files("*.blk")).hasSize(1).allSatisfy(f -> assertThat(Files.size(f)).isEqualTo(fileBytes));
        assertThat(files("*.tmp")).isEmpty();
    }

    @Test
    void aRestartKeepsEveryBlockAndTheWriteOrderAsRecency() throws IOException {
        DiskTier first = open(1 << 20, ChannelOpener.DEFAULT);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Block block = data.block(data.key(i % 2 == 0 ? TENANT : new Tenant("u")), 1000 + i);
            blocks.add(block);
            first.put(block);
            // Recency after a restart is the files' write order; make it explicit instead of relying on timing.
            Files.setLastModifiedTime(onlyFile(block.key(), first), FileTime.fromMillis(1_000_000L + i * 1000L));
        }
        long bytes = first.usage().bytes();
        first.close();

        DiskTier second = open(bytes, ChannelOpener.DEFAULT);

        assertThat(second.health().state()).isEqualTo(TierState.OK);
        assertThat(second.usage().blocks()).isEqualTo(5);
        assertThat(second.usage().bytes()).isEqualTo(bytes);
        for (Block block : blocks) {
            assertThat(second.get(block.key())).contains(block);
        }
        // Reopened full: recency is the write order, so the next put evicts the oldest write, blocks[0].
        DiskTier third = reopen(second, bytes);
        third.put(data.block(data.key(TENANT), 1000));
        assertThat(third.contains(blocks.get(0).key())).isFalse();
        assertThat(third.contains(blocks.get(1).key())).isTrue();
    }

    @Test
    void aFlippedPayloadByteIsAMissAndTheFileIsDeleted() throws IOException {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        Block block = data.block(data.key(TENANT), 4000);
        tier.put(block);
        Path file = onlyFile(block.key(), tier);
        flipByte(file, Files.size(file) - 100);

        assertThat(tier.get(block.key())).isEmpty();

        assertThat(Files.exists(file)).isFalse();
        assertThat(tier.contains(block.key())).isFalse();
        assertThat(tier.health().corrupt()).isEqualTo(1);
        assertThat(tier.usage().bytes()).isZero();
    }

    @Test
    void everyDamagedHeaderFieldIsCaught() throws IOException {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        for (int offset : new int[] {0, 5, 7, 10, 13, 18, 25, 52, 53, 56}) { // magic .. tenant
            Block block = data.block(data.key(TENANT), 300);
            tier.put(block);
            flipByte(onlyFile(block.key(), tier), offset);

            assertThat(tier.get(block.key())).as("header byte %d flipped", offset).isEmpty();
        }
        assertThat(tier.health().corrupt()).isEqualTo(10);
        assertThat(files("*.blk")).isEmpty();
    }

    @Test
    void aTruncatedFileIsAMiss() throws IOException {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        Block block = data.block(data.key(TENANT), 4000);
        tier.put(block);
        Path file = onlyFile(block.key(), tier);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(2000);
        }

        assertThat(tier.get(block.key())).isEmpty();
        assertThat(Files.exists(file)).isFalse();
    }

    @Test
    void aFileDeletedBehindTheTiersBackIsForgotten() throws IOException {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        Block block = data.block(data.key(TENANT), 1000);
        tier.put(block);
        Files.delete(onlyFile(block.key(), tier));

        assertThat(tier.get(block.key())).isEmpty();

        assertThat(tier.contains(block.key())).isFalse();
        assertThat(tier.usage().bytes()).isZero();
        assertThat(tier.put(block)).isEqualTo(PutOutcome.STORED);
    }

    @Test
    void openingSweepsTemporariesAndDeletesDamagedFiles() throws IOException {
        DiskTier first = open(1 << 20, ChannelOpener.DEFAULT);
        Block good = data.block(data.key(TENANT), 1000);
        Block flipped = data.block(data.key(TENANT), 1000);
        Block truncated = data.block(data.key(TENANT), 1000);
        for (Block block : List.of(good, flipped, truncated)) {
            first.put(block);
        }
        Path goodFile = onlyFile(good.key(), first);
        flipByte(onlyFile(flipped.key(), first), 14); // token count: the header checksum catches it at start
        try (RandomAccessFile raf = new RandomAccessFile(onlyFile(truncated.key(), first).toFile(), "rw")) {
            raf.setLength(500); // a torn copy (e.g. the disk lied about fsync)
        }
        Path leftover = DiskLayout.temporaryFor(goodFile); // as a kill -9 mid-write leaves it
        Files.write(leftover, new byte[] {1, 2, 3});
        first.close();

        DiskTier second = open(1 << 20, ChannelOpener.DEFAULT);

        assertThat(second.usage().blocks()).isEqualTo(1);
        assertThat(second.get(good.key())).contains(good);
        assertThat(second.health().corrupt()).isEqualTo(2);
        assertThat(files("*.tmp")).isEmpty();
        assertThat(files("*.blk")).containsExactly(goodFile);
    }

    @Test
    void aWriteThatRunsOutOfSpaceLeavesNothingAndTurnsTheTierReadOnly() throws IOException {
        AtomicLong space = new AtomicLong(Long.MAX_VALUE);
        DiskTier tier = open(1 << 20, FaultyChannel.failingAfter(space));
        Block kept = data.block(data.key(TENANT), 2000);
        tier.put(kept);
        space.set(1500); // the next write dies half way through its payload
        Block torn = data.block(data.key(TENANT), 3000);

        PutResult result = tier.put(torn, false);

        assertThat(result.outcome()).isEqualTo(PutOutcome.SKIPPED);
        assertThat(tier.health().state()).isEqualTo(TierState.READ_ONLY);
        assertThat(tier.health().failures()).isEqualTo(1);
        assertThat(files("*.tmp")).as("no partial temporary").isEmpty();
        assertThat(files("*.blk")).as("only the earlier block").containsExactly(onlyFile(kept.key(), tier));
        assertThat(tier.contains(torn.key())).isFalse();
        assertThat(tier.get(kept.key())).as("still serves what it holds").contains(kept);
        assertThat(tier.usage().bytes()).isEqualTo(BlockRecord.headerBytes(kept) + 2000L);
    }

    @Test
    void aReadOnlyTierSkipsWritesUntilTheRetryPeriodThenRecovers() throws IOException {
        AtomicLong space = new AtomicLong(0);
        DiskTier tier = open(1 << 20, FaultyChannel.failingAfter(space));
        assertThat(tier.put(data.block(data.key(TENANT), 100))).isEqualTo(PutOutcome.SKIPPED);
        space.set(Long.MAX_VALUE); // space was freed, but the tier does not know yet

        assertThat(tier.put(data.block(data.key(TENANT), 100))).as("no write attempted").isEqualTo(PutOutcome.SKIPPED);
        assertThat(space.get()).isEqualTo(Long.MAX_VALUE);
        clock.advance(RETRY);
        Block probe = data.block(data.key(TENANT), 100);

        assertThat(tier.put(probe)).isEqualTo(PutOutcome.STORED);
        assertThat(tier.health().state()).isEqualTo(TierState.OK);
        assertThat(tier.get(probe.key())).contains(probe);
        assertThat(files("*.tmp")).isEmpty();
    }

    @Test
    void aFailedFsyncPublishesNothing() throws IOException {
        DiskTier tier = open(1 << 20, FaultyChannel.failingFsync());
        Block block = data.block(data.key(TENANT), 1000);

        assertThat(tier.put(block)).isEqualTo(PutOutcome.SKIPPED);

        assertThat(tier.health().state()).isEqualTo(TierState.READ_ONLY);
        assertThat(files("*")).as("neither temporary nor block").isEmpty();
        assertThat(tier.usage().bytes()).isZero();
    }

    @Test
    void evictsLeastRecentlyUsedWithinTheBudgetAndHandsBackEvictedBlocks() throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(data.block(data.key(TENANT), 1000));
        }
        long perFile = BlockRecord.headerBytes(blocks.get(0)) + 1000L;
        DiskTier tier = open(3 * perFile, ChannelOpener.DEFAULT);
        tier.put(blocks.get(0));
        tier.put(blocks.get(1));
        tier.put(blocks.get(2));
        tier.get(blocks.get(0).key()); // blocks[1] is now the least recently used

        PutResult result = tier.put(blocks.get(3), true);

        assertThat(result.outcome()).isEqualTo(PutOutcome.STORED);
        assertThat(result.evicted()).containsExactly(blocks.get(1));
        assertThat(tier.contains(blocks.get(1).key())).isFalse();
        assertThat(tier.usage().bytes()).isEqualTo(3 * perFile).isLessThanOrEqualTo(tier.usage().capacityBytes());
        assertThat(tier.usage().evictions()).isEqualTo(1);
        assertThat(files("*.blk")).hasSize(3);
        assertThat(files("*.tmp")).isEmpty();
        assertThat(tier.fits((int) (3 * perFile))).isFalse();
        assertThat(tier.put(data.block(data.key(TENANT), (int) (3 * perFile)))).isEqualTo(PutOutcome.SKIPPED);
    }

    @Test
    void tenantsHaveSeparateFilesAndARecordUnderAnotherTenantsNameIsRefused() throws IOException {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        byte[] hash = data.hash();
        Tenant other = new Tenant("other");
        Block mine = data.block(BlockKey.of(TENANT, hash), 100);
        tier.put(mine);

        assertThat(tier.get(BlockKey.of(other, hash))).isEmpty();
        assertThat(tier.remove(BlockKey.of(other, hash))).isFalse();
        Block theirs = data.block(BlockKey.of(other, hash), 200);
        assertThat(tier.put(theirs)).isEqualTo(PutOutcome.STORED);
        assertThat(tier.get(mine.key())).contains(mine);
        assertThat(tier.get(theirs.key())).contains(theirs);

        // A record planted under the other tenant's name (a digest collision, a copied file) is never served.
        Path theirsFile = onlyFile(theirs.key(), tier);
        Files.copy(onlyFile(mine.key(), tier), theirsFile, StandardCopyOption.REPLACE_EXISTING);
        DiskTier reopened = reopen(tier, 1 << 20);
        assertThat(reopened.get(theirs.key())).isEmpty();
        assertThat(reopened.get(mine.key())).contains(mine);
        assertThat(Files.exists(theirsFile)).isFalse();
    }

    @Test
    void keysSharingTheirFirst64BitsStaySeparate() {
        DiskTier tier = open(1 << 20, ChannelOpener.DEFAULT);
        byte[] hash = data.hash();
        byte[] twin = hash.clone();
        twin[31] ^= 1;
        Block a = data.block(BlockKey.of(TENANT, hash), 100);
        Block b = data.block(BlockKey.of(TENANT, twin), 100);

        tier.put(a);

        assertThat(tier.contains(b.key())).isFalse();
        assertThat(tier.put(b)).isEqualTo(PutOutcome.STORED);
        assertThat(tier.get(a.key())).contains(a);
        assertThat(tier.get(b.key())).contains(b);
    }

    @Test
    void aDirectoryInUseOrUnusableLeavesTheTierOffWithoutFailing() throws IOException {
        DiskTier first = open(1 << 20, ChannelOpener.DEFAULT);
        DiskTier second = open(1 << 20, ChannelOpener.DEFAULT);
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        DiskTier third = tier(notADirectory, 1 << 20, ChannelOpener.DEFAULT);

        assertThat(first.health().state()).isEqualTo(TierState.OK);
        for (DiskTier off : List.of(second, third)) {
            Block block = data.block(data.key(TENANT), 100);
            assertThat(off.health().state()).isEqualTo(TierState.OFF);
            assertThat(off.put(block)).isEqualTo(PutOutcome.SKIPPED);
            assertThat(off.get(block.key())).isEmpty();
        }
    }

    @Test
    void aLowerBudgetAtRestartEvictsDownToIt() throws IOException {
        DiskTier first = open(1 << 20, ChannelOpener.DEFAULT);
        for (int i = 0; i < 4; i++) {
            first.put(data.block(data.key(TENANT), 1000));
        }
        long perFile = first.usage().bytes() / 4;
        first.close();

        DiskTier second = open(2 * perFile, ChannelOpener.DEFAULT);

        assertThat(second.usage().blocks()).isEqualTo(2);
        assertThat(files("*.blk")).hasSize(2);
    }

    // ---- helpers ----

    private DiskTier open(long capacity, ChannelOpener opener) {
        return tier(dir.resolve("kv"), capacity, opener);
    }

    private DiskTier tier(Path path, long capacity, ChannelOpener opener) {
        DiskTier tier = new DiskTier(path, capacity, RETRY, opener, clock);
        opened.add(tier);
        return tier;
    }

    private DiskTier reopen(DiskTier tier, long capacity) {
        tier.close();
        return open(capacity, ChannelOpener.DEFAULT);
    }

    private static Path onlyFile(BlockKey key, DiskTier tier) {
        return new DiskLayout(tier.directory()).file(key);
    }

    private List<Path> files(String glob) throws IOException {
        var matcher = dir.getFileSystem().getPathMatcher("glob:" + glob);
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals(DiskLayout.LOCK_FILE))
                    .filter(p -> matcher.matches(p.getFileName()))
                    .toList();
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int value = raf.read();
            raf.seek(offset);
            raf.write(~value);
        }
    }
}
