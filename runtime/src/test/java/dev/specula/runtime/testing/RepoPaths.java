package dev.specula.runtime.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds model folders relative to the repository root, whatever directory the tests run from. */
public final class RepoPaths {
    private RepoPaths() {
    }

    /** The first directory, walking up from the working directory, that holds both {@code models/} and {@code pom.xml}. */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no directory with models/ and pom.xml above " + dir);
    }

    public static Path testTiny() {
        return repoRoot().resolve("models/test-tiny");
    }

    public static Path bundledVerifier() {
        return repoRoot().resolve("models/bundled/verifier");
    }

    public static Path bundledDrafter() {
        return repoRoot().resolve("models/bundled/drafter");
    }
}
