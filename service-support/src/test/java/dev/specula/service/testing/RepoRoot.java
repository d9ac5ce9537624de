package dev.specula.service.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is, for tests that read the bundled models or other files by their repository path. */
public final class RepoRoot {
    private RepoRoot() {
    }

    /** The nearest directory, walking up from the working directory, that holds {@code models/} and {@code pom.xml}. */
    public static Path path() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with models/ and pom.xml above " + start);
    }
}
