package dev.specula.runtime.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code tokenizer.json} read as data (the tokenizer itself runs in DJL's native library): the SHA-256 of its
 * bytes (drafter and verifier must have identical files), the added tokens, and the vocabulary size
 * (1 + the largest id in {@code model.vocab} or {@code added_tokens}).
 *
 * @param sha256        lowercase hex SHA-256 of the file's bytes
 * @param vocabSize     1 + the largest token id the tokenizer can produce
 * @param addedTokens   content → id of every entry in {@code added_tokens}
 * @param specialTokens ids of added tokens marked {@code "special": true} (skipped when decoding)
 */
public record TokenizerFile(String sha256, int vocabSize, Map<String, Integer> addedTokens, Set<Integer> specialTokens) {

    public TokenizerFile {
        addedTokens = Collections.unmodifiableMap(new HashMap<>(addedTokens));
        specialTokens = Collections.unmodifiableSet(new HashSet<>(specialTokens));
    }

    public static TokenizerFile read(ModelFolder folder) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(folder.file(ModelFolder.TOKENIZER));
        } catch (IOException e) {
            throw new ModelLoadException(folder.root(), "cannot read " + ModelFolder.TOKENIZER + ": " + e, e);
        }
        JsonObject root;
        try {
            JsonElement parsed = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new JsonParseException("not a JSON object");
            }
            root = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ModelLoadException(folder.root(), ModelFolder.TOKENIZER + " is not valid JSON: " + e.getMessage(), e);
        }
        int maxId = -1;
        JsonElement model = root.get("model");
        if (model == null || !model.isJsonObject()) {
            throw new ModelLoadException(folder.root(), ModelFolder.TOKENIZER + ": missing field model");
        }
        JsonElement vocab = model.getAsJsonObject().get("vocab");
        if (vocab != null && vocab.isJsonObject()) {
            for (Map.Entry<String, JsonElement> entry : vocab.getAsJsonObject().entrySet()) {
                maxId = Math.max(maxId, entry.getValue().getAsInt());
            }
        } else if (vocab != null && vocab.isJsonArray()) { // Unigram: [[piece, score], ...], id = index
            maxId = vocab.getAsJsonArray().size() - 1;
        }
        Map<String, Integer> added = new HashMap<>();
        Set<Integer> special = new HashSet<>();
        JsonElement addedTokens = root.get("added_tokens");
        if (addedTokens != null && addedTokens.isJsonArray()) {
            for (JsonElement element : (JsonArray) addedTokens) {
                JsonObject token = element.getAsJsonObject();
                int id = token.get("id").getAsInt();
                added.put(token.get("content").getAsString(), id);
                if (token.has("special") && token.get("special").getAsBoolean()) {
                    special.add(id);
                }
                maxId = Math.max(maxId, id);
            }
        }
        if (maxId < 0) {
            throw new ModelLoadException(folder.root(), ModelFolder.TOKENIZER + " defines no tokens");
        }
        return new TokenizerFile(sha256(bytes), maxId + 1, added, special);
    }

    /** The id of an added token by its content (for example {@code <|endoftext|>}). */
    public OptionalInt addedTokenId(String content) {
        Integer id = addedTokens.get(content);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
