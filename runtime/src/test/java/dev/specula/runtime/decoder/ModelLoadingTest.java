package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import dev.specula.runtime.model.ModelLoadException;
import dev.specula.runtime.testing.IdentityOnnx;
import dev.specula.runtime.testing.ModelFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a model folder can be broken gives a {@link ModelLoadException} that says what to fix. */
class ModelLoadingTest {
    @TempDir
    Path temp;

    private Path folder() {
        return ModelFolders.copyOfTestTiny(temp.resolve("model"));
    }

    private ModelLoadException loadFails(Path folder, String... fragments) {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> DecoderModel.load(folder, ExecutionSettings.defaults().withIntraOpThreads(1)).close());
        assertEquals(folder.toAbsolutePath().normalize(), e.folder());
        assertTrue(e.getMessage().contains(folder.toAbsolutePath().normalize().toString()), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void aCopyOfTestTinyLoads() {
        try (DecoderModel model = DecoderModel.load(folder(), ExecutionSettings.defaults().withIntraOpThreads(1))) {
            assertEquals(2, model.signature().layers());
        }
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path folder = folder();
        Files.delete(folder.resolve("config.json"));
        loadFails(folder, "missing config.json");
        Path other = ModelFolders.copyOfTestTiny(temp.resolve("other"));
        Files.delete(other.resolve("model.onnx"));
        loadFails(other, "missing model.onnx");
        Path third = ModelFolders.copyOfTestTiny(temp.resolve("third"));
        Files.delete(third.resolve("tokenizer.json"));
        loadFails(third, "missing tokenizer.json");
        loadFails(temp.resolve("does-not-exist"), "not a directory");
    }

    @Test
    void missingOrInvalidConfigFieldsAreNamed() {
        Path folder = folder();
        ModelFolders.editJson(folder, "config.json", json -> json.remove("vocab_size"));
        loadFails(folder, "config.json", "missing field vocab_size");
        ModelFolders.editJson(folder, "config.json", json -> json.addProperty("vocab_size", "many"));
        loadFails(folder, "field vocab_size is not an integer");
        ModelFolders.editJson(folder, "config.json", json -> {
            json.addProperty("vocab_size", 260);
            json.addProperty("eos_token_id", 999);
        });
        loadFails(folder, "eos_token_id 999 is outside the vocabulary");
        ModelFolders.write(folder, "config.json", "{ not json");
        loadFails(folder, "config.json is not valid JSON");
    }

    @Test
    void configThatContradictsTheGraphIsAMismatchWithBothNumbers() {
        Path folder = folder();
        ModelFolders.editJson(folder, "config.json", json -> json.addProperty("num_key_value_heads", 4));
        loadFails(folder, "num_key_value_heads = 4", "has 2", "past_key_values.0.key dim 1");
        ModelFolders.editJson(folder, "config.json", json -> {
            json.addProperty("num_key_value_heads", 2);
            json.addProperty("num_hidden_layers", 3);
        });
        loadFails(folder, "num_hidden_layers = 3", "has 2");
        ModelFolders.editJson(folder, "config.json", json -> {
            json.addProperty("num_hidden_layers", 2);
            json.addProperty("head_dim", 32);
        });
        loadFails(folder, "head_dim = 32", "has 16");
    }

    @Test
    void aGraphWithTheWrongNamesIsRejectedListingWhatItHas() {
        Path folder = folder();
        ModelFolders.write(folder, "model.onnx", IdentityOnnx.bytes());
        loadFails(folder, "not an Optimum text-generation-with-past decoder", "missing input input_ids",
                "output logits", "the graph has inputs [x]");
    }

    @Test
    void aFileThatIsNotOnnxIsRejected() {
        Path folder = folder();
        ModelFolders.write(folder, "model.onnx", "definitely not protobuf");
        loadFails(folder, "model.onnx cannot be loaded by ONNX Runtime");
    }

    @Test
    void stopTokensMustResolve() {
        Path folder = folder();
        ModelFolders.editJson(folder, "tokenizer_config.json", json -> json.addProperty("eos_token", "<|nope|>"));
        loadFails(folder, "tokenizer_config.json", "eos_token \"<|nope|>\" is not an added token");
        ModelFolders.write(folder, "tokenizer.json", "[]");
        loadFails(folder, "tokenizer.json is not valid JSON");
    }

    @Test
    void stopTokensAreTheUnionOfGenerationConfigListAndTokenizerConfig() {
        Path folder = folder();
        ModelFolders.editJson(folder, "generation_config.json", json -> {
            JsonArray ids = new JsonArray();
            ids.add(259);
            ids.add(256);
            json.add("eos_token_id", ids);
        });
        try (DecoderModel model = DecoderModel.load(folder, ExecutionSettings.defaults().withIntraOpThreads(1))) {
            assertEquals(java.util.List.of(256, 259),
                    java.util.Arrays.stream(model.generationConfig().eosTokenIds()).boxed().toList());
            assertEquals("<|endoftext|>", model.generationConfig().eosToken());
            assertTrue(model.generationConfig().isStopToken(259));
        }
    }
}
