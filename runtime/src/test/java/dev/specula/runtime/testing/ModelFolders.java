package dev.specula.runtime.testing;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Copies of test-tiny's folder that tests then break on purpose. */
public final class ModelFolders {
    private ModelFolders() {
    }

    /** Copies every file of models/test-tiny into {@code target} (created if needed). */
    public static Path copyOfTestTiny(Path target) {
        try {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(RepoPaths.testTiny())) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.copy(file, target.resolve(file.getFileName()));
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites a JSON file of the folder after {@code edit} changed its root object. */
    public static void editJson(Path folder, String file, Consumer<JsonObject> edit) {
        try {
            Path path = folder.resolve(file);
            JsonObject json = JsonParser.parseString(Files.readString(path, StandardCharsets.UTF_8)).getAsJsonObject();
            edit.accept(json);
            Files.writeString(path, new GsonBuilder().setPrettyPrinting().create().toJson(json), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path folder, String file, String content) {
        try {
            Files.writeString(folder.resolve(file), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path folder, String file, byte[] content) {
        try {
            Files.write(folder.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
