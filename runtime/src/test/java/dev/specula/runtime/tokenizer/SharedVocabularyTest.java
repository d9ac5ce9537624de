package dev.specula.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.testing.ModelFolders;
import dev.specula.runtime.testing.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedVocabularyTest {
    @TempDir
    Path temp;

    @Test
    void aFolderAndItsCopyShareAVocabulary() {
        ModelFolder tiny = ModelFolder.open(RepoPaths.testTiny());
        ModelFolder copy = ModelFolder.open(ModelFolders.copyOfTestTiny(temp.resolve("copy")));
        assertDoesNotThrow(() -> SharedVocabulary.require(tiny, copy));
    }

    @Test
    void aDifferentTokenizerFileIsAMismatchNamingBothFolders() throws Exception {
        Path other = ModelFolders.copyOfTestTiny(temp.resolve("other"));
        // Same tokens, different bytes: the check is deliberately strict (hash of the file).
        Files.writeString(other.resolve("tokenizer.json"), Files.readString(other.resolve("tokenizer.json")) + "\n");
        ModelFolder tiny = ModelFolder.open(RepoPaths.testTiny());
        VocabularyMismatchException e = assertThrows(VocabularyMismatchException.class,
                () -> SharedVocabulary.require(tiny, ModelFolder.open(other)));
        assertTrue(e.getMessage().contains(tiny.root().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(other.toAbsolutePath().normalize().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void aDifferentLogitsWidthIsAMismatch() {
        Path other = ModelFolders.copyOfTestTiny(temp.resolve("wider"));
        ModelFolders.editJson(other, "config.json", json -> json.addProperty("vocab_size", 320));
        VocabularyMismatchException e = assertThrows(VocabularyMismatchException.class,
                () -> SharedVocabulary.require(ModelFolder.open(RepoPaths.testTiny()), ModelFolder.open(other)));
        assertTrue(e.getMessage().contains("vocab_size 260 vs 320"), e.getMessage());
    }
}
