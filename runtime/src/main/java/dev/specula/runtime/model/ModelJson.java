package dev.specula.runtime.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads the JSON files of a model folder with errors that name the folder, the file and the field. Fields
 * may have aliases (GPT-2 style configs say {@code n_layer} where Llama-style ones say
 * {@code num_hidden_layers}); the first present alias wins.
 */
final class ModelJson {
    private final ModelFolder folder;
    private final String fileName;
    private final JsonObject object;

    private ModelJson(ModelFolder folder, String fileName, JsonObject object) {
        this.folder = folder;
        this.fileName = fileName;
        this.object = object;
    }

    static ModelJson read(ModelFolder folder, String fileName) {
        Path path = folder.file(fileName);
        if (!Files.isRegularFile(path)) {
            throw new ModelLoadException(folder.root(), "missing " + fileName);
        }
        try {
            String text = Files.readString(path, StandardCharsets.UTF_8);
            JsonElement parsed = JsonParser.parseString(text);
            if (!parsed.isJsonObject()) {
                throw new ModelLoadException(folder.root(), fileName + " is not a JSON object");
            }
            return new ModelJson(folder, fileName, parsed.getAsJsonObject());
        } catch (IOException e) {
            throw new ModelLoadException(folder.root(), "cannot read " + fileName + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new ModelLoadException(folder.root(), fileName + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    JsonObject object() {
        return object;
    }

    Optional<JsonElement> field(String... aliases) {
        for (String name : aliases) {
            JsonElement value = object.get(name);
            if (value != null && !value.isJsonNull()) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    int requiredInt(String... aliases) {
        return field(aliases).map(v -> asInt(v, aliases[0]))
                .orElseThrow(() -> problem("missing field " + String.join(" / ", aliases)));
    }

    int optionalInt(int fallback, String... aliases) {
        return field(aliases).map(v -> asInt(v, aliases[0])).orElse(fallback);
    }

    double optionalDouble(double fallback, String... aliases) {
        return field(aliases).map(v -> {
            try {
                return v.getAsDouble();
            } catch (RuntimeException e) {
                throw problem("field " + aliases[0] + " is not a number: " + v);
            }
        }).orElse(fallback);
    }

    /** An id field that is an int or a list of ints ({@code eos_token_id} in either form); empty if absent. */
    int[] intOrList(String name) {
        Optional<JsonElement> value = field(name);
        if (value.isEmpty()) {
            return new int[0];
        }
        JsonElement element = value.get();
        if (element.isJsonArray()) {
            int[] ids = new int[element.getAsJsonArray().size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = asInt(element.getAsJsonArray().get(i), name);
            }
            return ids;
        }
        return new int[] {asInt(element, name)};
    }

    /** A token given as a string or as an AddedToken object {@code {"content": "..."}}; null if absent. */
    String tokenString(String name) {
        Optional<JsonElement> value = field(name);
        if (value.isEmpty()) {
            return null;
        }
        JsonElement element = value.get();
        if (element.isJsonPrimitive()) {
            return element.getAsString();
        }
        if (element.isJsonObject() && element.getAsJsonObject().has("content")) {
            return element.getAsJsonObject().get("content").getAsString();
        }
        throw problem("field " + name + " is neither a string nor an object with \"content\": " + element);
    }

    ModelLoadException problem(String what) {
        return new ModelLoadException(folder.root(), fileName + ": " + what);
    }

    private int asInt(JsonElement value, String name) {
        try {
            if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
                double number = value.getAsDouble();
                if (number == Math.rint(number) && Math.abs(number) <= Integer.MAX_VALUE) {
                    return (int) number;
                }
            }
        } catch (RuntimeException ignored) {
            // fall through to the uniform message below
        }
        throw problem("field " + name + " is not an integer: " + value);
    }
}
