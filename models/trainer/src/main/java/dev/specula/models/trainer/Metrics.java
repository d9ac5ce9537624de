package dev.specula.models.trainer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Figures gathered by the separate build steps (train, export, probes), kept in one JSON file for the model cards. */
final class Metrics {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
    private final Path file;
    final JsonObject root;

    private Metrics(Path file, JsonObject root) {
        this.file = file;
        this.root = root;
    }

    static Metrics open(Path file) throws IOException {
        JsonObject root = Files.exists(file)
                ? JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject() : new JsonObject();
        return new Metrics(file, root);
    }

    private final java.util.Set<String> touched = new java.util.HashSet<>();

    JsonObject section(String name) {
        touched.add(name);
        if (!root.has(name)) root.add(name, new JsonObject());
        return root.getAsJsonObject(name);
    }

    void put(String section, String key, Number v) {
        section(section).addProperty(key, v);
    }

    void put(String section, String key, String v) {
        section(section).addProperty(key, v);
    }

    void merge(String section, JsonObject values) {
        for (java.util.Map.Entry<String, JsonElement> e : values.entrySet()) section(section).add(e.getKey(), e.getValue());
    }

    /**
     * Writes this process's sections over a fresh read of the file, so that two steps running at the same time
     * (verifier training and drafter distillation overlap) do not erase each other's figures.
     */
    void save() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (Files.exists(file)) {
            JsonObject current = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            for (java.util.Map.Entry<String, JsonElement> e : current.entrySet()) {
                if (!touched.contains(e.getKey())) root.add(e.getKey(), e.getValue());
            }
        }
        Files.writeString(file, GSON.toJson(root) + "\n", StandardCharsets.UTF_8);
    }
}
