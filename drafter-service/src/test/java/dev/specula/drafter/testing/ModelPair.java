package dev.specula.drafter.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The draft/target model pair the service tests run, as repository-relative folders.
 *
 * <p>Switch {@link #UNDER_TEST} to {@link #BUNDLED} once {@code models/bundled} is exported; nothing else changes.
 */
public enum ModelPair {
    /** Tiny random GQA model as both drafter and target: fast, always present, every draft accepted. */
    TEST_TINY("models/test-tiny", "models/test-tiny"),
    /** The trained pair. */
    BUNDLED("models/bundled/drafter", "models/bundled/verifier");

    /** The one switch. */
    public static final ModelPair UNDER_TEST = BUNDLED;

    private final String drafter;
    private final String verifier;

    ModelPair(String drafter, String verifier) {
        this.drafter = drafter;
        this.verifier = verifier;
    }

    public Path drafter() {
        return repoRoot().resolve(drafter);
    }

    public Path verifier() {
        return repoRoot().resolve(verifier);
    }

    /** The nearest directory, walking up from the working directory, that holds {@code models/} and {@code pom.xml}. */
    public static Path repoRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with models/ and pom.xml above " + start);
    }
}
