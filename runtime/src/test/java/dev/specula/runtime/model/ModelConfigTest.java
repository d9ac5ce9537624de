package dev.specula.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.testing.ModelFolders;
import dev.specula.runtime.testing.RepoPaths;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
    @TempDir
    Path temp;

    @Test
    void testTinyConfigIsRead() {
        ModelConfig config = ModelFolder.open(RepoPaths.testTiny()).config();
        assertEquals(260, config.vocabSize());
        assertEquals(64, config.hiddenSize());
        assertEquals(2, config.numHiddenLayers());
        assertEquals(4, config.numAttentionHeads());
        assertEquals(2, config.numKeyValueHeads());
        assertEquals(16, config.headDim());
        assertEquals(256, config.intermediateSize());
        assertEquals(2048, config.maxPositionEmbeddings());
        assertEquals(10_000.0, config.ropeTheta());
        assertEquals(256, config.bosTokenId());
        assertArrayEquals(new int[] {256}, config.eosTokenIds());
        assertEquals(257, config.padTokenId());
    }

    @Test
    void gpt2StyleAliasesAndHuggingFaceDefaultsAreAccepted() {
        Path folder = ModelFolders.copyOfTestTiny(temp.resolve("gpt2"));
        ModelFolders.write(folder, "config.json", """
                {"vocab_size": 260, "n_embd": 64, "n_layer": 2, "n_head": 4, "n_positions": 1024,
                 "eos_token_id": [256, 259]}""");
        ModelConfig config = ModelFolder.open(folder).config();
        assertEquals(4, config.numKeyValueHeads(), "no num_key_value_heads → no GQA");
        assertEquals(16, config.headDim(), "head_dim defaults to hidden / heads");
        assertEquals(1024, config.maxPositionEmbeddings());
        assertArrayEquals(new int[] {256, 259}, config.eosTokenIds());
        assertEquals(-1, config.bosTokenId());
    }

    @Test
    void headsThatDoNotGroupAreRejected() {
        Path folder = ModelFolders.copyOfTestTiny(temp.resolve("bad"));
        ModelFolders.editJson(folder, "config.json", json -> json.addProperty("num_key_value_heads", 3));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelFolder.open(folder).config());
        assertTrue(e.getMessage().contains("not a multiple of num_key_value_heads 3"), e.getMessage());
    }

    @Test
    void generationConfigOfTestTiny() {
        ModelFolder folder = ModelFolder.open(RepoPaths.testTiny());
        GenerationConfig generation = folder.generationConfig();
        assertArrayEquals(new int[] {256}, generation.eosTokenIds());
        assertEquals("<|endoftext|>", generation.eosToken());
        assertNotNull(generation.chatTemplate());
    }
}
