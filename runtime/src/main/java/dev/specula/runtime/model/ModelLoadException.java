package dev.specula.runtime.model;

import java.nio.file.Path;

/**
 * A model folder cannot be used: a file is missing or malformed, a field is absent or invalid, or the ONNX
 * graph does not follow the Optimum "text-generation-with-past" layout. The message always names the folder
 * and what is wrong, so an operator can fix it without reading code.
 */
public class ModelLoadException extends RuntimeException {
    private final Path folder;

    public ModelLoadException(Path folder, String problem) {
        super("model folder " + folder + ": " + problem);
        this.folder = folder;
    }

    public ModelLoadException(Path folder, String problem, Throwable cause) {
        super("model folder " + folder + ": " + problem, cause);
        this.folder = folder;
    }

    /** The folder that failed to load. */
    public Path folder() {
        return folder;
    }
}
