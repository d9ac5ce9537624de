package dev.specula.runtime.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * How generation stops, and how chat prompts are rendered.
 *
 * <p>Stop tokens are the union of {@code generation_config.json} {@code eos_token_id} (int or list),
 * {@code config.json} {@code eos_token_id}, and {@code tokenizer_config.json} {@code eos_token} resolved
 * through the tokenizer's added tokens — a model stops on any of them (vLLM does the same). A model folder
 * that yields no stop token at all is rejected: generation would never end on its own.
 *
 * @param eosTokenIds  sorted, distinct stop token ids (at least one)
 * @param eosToken     tokenizer_config's {@code eos_token} text, or null when absent
 * @param chatTemplate the Jinja chat template ({@code chat_template.jinja} preferred over the inline
 *                     {@code chat_template} key), or null when the model has none
 */
public record GenerationConfig(int[] eosTokenIds, String eosToken, String chatTemplate) {

    public GenerationConfig {
        eosTokenIds = Arrays.stream(eosTokenIds).distinct().sorted().toArray();
        if (eosTokenIds.length == 0) {
            throw new IllegalArgumentException("at least one stop token is needed");
        }
    }

    public static GenerationConfig read(ModelFolder folder, ModelConfig config, TokenizerFile tokenizer) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (int id : config.eosTokenIds()) {
            ids.add(id);
        }
        if (folder.optionalFile(ModelFolder.GENERATION_CONFIG).isPresent()) {
            ModelJson generation = ModelJson.read(folder, ModelFolder.GENERATION_CONFIG);
            for (int id : generation.intOrList("eos_token_id")) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw generation.problem("eos_token_id " + id + " is outside the vocabulary [0, "
                            + config.vocabSize() + ")");
                }
                ids.add(id);
            }
        }
        String eosToken = null;
        String template = null;
        if (folder.optionalFile(ModelFolder.TOKENIZER_CONFIG).isPresent()) {
            ModelJson tokenizerConfig = ModelJson.read(folder, ModelFolder.TOKENIZER_CONFIG);
            eosToken = tokenizerConfig.tokenString("eos_token");
            if (eosToken != null) {
                OptionalInt id = tokenizer.addedTokenId(eosToken);
                if (id.isEmpty()) {
                    throw tokenizerConfig.problem("eos_token \"" + eosToken + "\" is not an added token of "
                            + ModelFolder.TOKENIZER);
                }
                ids.add(id.getAsInt());
            }
            template = tokenizerConfig.field("chat_template")
                    .filter(e -> e.isJsonPrimitive()).map(e -> e.getAsString()).orElse(null);
        }
        Optional<Path> jinja = folder.optionalFile(ModelFolder.CHAT_TEMPLATE);
        if (jinja.isPresent()) {
            try {
                template = Files.readString(jinja.get(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ModelLoadException(folder.root(), "cannot read " + ModelFolder.CHAT_TEMPLATE + ": " + e, e);
            }
        }
        if (ids.isEmpty()) {
            throw new ModelLoadException(folder.root(), "no stop token: none of " + ModelFolder.GENERATION_CONFIG
                    + " eos_token_id, " + ModelFolder.CONFIG + " eos_token_id, " + ModelFolder.TOKENIZER_CONFIG
                    + " eos_token is set");
        }
        return new GenerationConfig(ids.stream().mapToInt(Integer::intValue).toArray(), eosToken, template);
    }

    public boolean isStopToken(int token) {
        return Arrays.binarySearch(eosTokenIds, token) >= 0;
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }
}
