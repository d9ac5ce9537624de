package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weights part of the KV fingerprint for exports too big to hash whole (RELIABILITY.md #13, B2): checkpoints
 * of one architecture (same config, graph signature and file sizes) must not share blocks, copies of one export
 * must, and an explicit revision file counts.
 */
class ModelFingerprintTest {
    private static final int WEIGHT_BYTES = 9 * 1024 * 1024; // above the 4 MiB sampled, so pages are strided
    private final DecoderModel tiny = TestModels.tiny();

    @TempDir
    Path dir;

    /** test-tiny's config and tokenizer with {@code weights} as model.onnx: same architecture, other weights. */
    private ModelFolder export(String name, byte[] weights) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> files = Files.list(tiny.folder().root())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!file.getFileName().toString().startsWith(ModelFolder.MODEL)) {
                    Files.copy(file, folder.resolve(file.getFileName()));
                }
            }
        }
        Files.write(folder.resolve(ModelFolder.MODEL), weights);
        return ModelFolder.open(folder);
    }

    /** Fingerprint in the mode used above the hashing limit (config, signature, sizes, sampled pages). */
    private ModelFingerprint sampled(ModelFolder folder) {
        return ModelFingerprint.of(folder, tiny.signature(), tiny.tokenizerFile().sha256(), 16, 0);
    }

    private static byte[] weights(long seed) {
        byte[] bytes = new byte[WEIGHT_BYTES];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void anotherCheckpointOfTheSameShapesGetsAnotherFingerprint() throws IOException {
        ModelFingerprint first = sampled(export("checkpoint-1", weights(1)));
        ModelFingerprint second = sampled(export("checkpoint-2", weights(2)));

        assertTrue(first.weightsMode().startsWith("config+signature+sampled"), first.weightsMode());
        assertNotEquals(first.value(), second.value(), "same config, signature and sizes, other weights");
    }

    @Test
    void aChangeInTheFirstOrLastPageIsSeen() throws IOException {
        byte[] base = weights(3);
        byte[] firstByte = base.clone();
        firstByte[0] ^= 1;
        byte[] lastByte = base.clone();
        lastByte[lastByte.length - 1] ^= 1;
        ModelFingerprint reference = sampled(export("base", base));

        assertNotEquals(reference.value(), sampled(export("first", firstByte)).value());
        assertNotEquals(reference.value(), sampled(export("last", lastByte)).value());
    }

    @Test
    void copiesOfOneExportShareTheirFingerprintWhateverTheirPathOrModificationTime() throws IOException {
        byte[] weights = weights(4);
        ModelFolder original = export("original", weights);
        ModelFolder copy = export("copy", weights);
        Files.setLastModifiedTime(copy.root().resolve(ModelFolder.MODEL), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));

        assertEquals(sampled(original), sampled(copy));
        assertEquals(ModelFingerprint.of(original, tiny.signature(), tiny.tokenizerFile().sha256(), 16, Long.MAX_VALUE),
                ModelFingerprint.of(copy, tiny.signature(), tiny.tokenizerFile().sha256(), 16, Long.MAX_VALUE));
    }

    @Test
    void aRevisionFileIsPartOfTheFingerprintInBothModes() throws IOException {
        byte[] weights = weights(5);
        ModelFolder plain = export("plain", weights);
        ModelFolder revA = export("rev-a", weights);
        ModelFolder revAgain = export("rev-a-again", weights);
        ModelFolder revB = export("rev-b", weights);
        Files.writeString(revA.root().resolve(ModelFingerprint.REVISION_FILE), "3f2c9e1");
        Files.writeString(revAgain.root().resolve(ModelFingerprint.REVISION_FILE), "3f2c9e1\n");
        Files.writeString(revB.root().resolve(ModelFingerprint.REVISION_FILE), "77ab010");

        assertNotEquals(sampled(plain).value(), sampled(revA).value());
        assertNotEquals(sampled(revA).value(), sampled(revB).value());
        assertEquals(sampled(revA).value(), sampled(revAgain).value(), "surrounding whitespace is not a revision");
        assertEquals("config+signature+sampled+revision", sampled(revA).weightsMode());
        long hashAll = Long.MAX_VALUE;
        assertNotEquals(ModelFingerprint.of(revA, tiny.signature(), tiny.tokenizerFile().sha256(), 16, hashAll).value(),
                ModelFingerprint.of(revB, tiny.signature(), tiny.tokenizerFile().sha256(), 16, hashAll).value());
    }
}
