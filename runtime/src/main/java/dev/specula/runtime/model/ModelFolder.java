package dev.specula.runtime.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A folder holding one decoder model in the Hugging Face Optimum layout. {@link #open} checks that the
 * files every model needs are present; optional files are looked up on demand.
 *
 * <pre>
 * model.onnx               required  the "text-generation-with-past" graph (external data beside it is fine)
 * config.json              required  architecture numbers, see {@link ModelConfig}
 * tokenizer.json           required  the Hugging Face tokenizer, see {@link TokenizerFile}
 * generation_config.json   optional  eos_token_id (int or list)
 * tokenizer_config.json    optional  eos_token, chat_template
 * chat_template.jinja      optional  preferred over tokenizer_config's chat_template
 * </pre>
 */
public record ModelFolder(Path root) {
    public static final String MODEL = "model.onnx";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String CHAT_TEMPLATE = "chat_template.jinja";

    public ModelFolder {
        root = root.toAbsolutePath().normalize();
    }

    /** Opens a folder, failing with a message that names the first missing required file. */
    public static ModelFolder open(Path root) {
        ModelFolder folder = new ModelFolder(root);
        if (!Files.isDirectory(folder.root)) {
            throw new ModelLoadException(folder.root, "not a directory");
        }
        for (String required : new String[] {CONFIG, TOKENIZER, MODEL}) {
            if (!Files.isRegularFile(folder.file(required))) {
                throw new ModelLoadException(folder.root, "missing " + required);
            }
        }
        return folder;
    }

    public Path file(String name) {
        return root.resolve(name);
    }

    /** A file that may be absent. */
    public Optional<Path> optionalFile(String name) {
        Path path = file(name);
        return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }

    /** Reads and validates {@code config.json}. */
    public ModelConfig config() {
        return ModelConfig.read(this);
    }

    /** Reads the stop tokens and chat template (generation_config.json, tokenizer_config.json). */
    public GenerationConfig generationConfig() {
        return GenerationConfig.read(this, config(), tokenizerFile());
    }

    /** Reads {@code tokenizer.json} as data (hash, added tokens, vocabulary size). */
    public TokenizerFile tokenizerFile() {
        return TokenizerFile.read(this);
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
