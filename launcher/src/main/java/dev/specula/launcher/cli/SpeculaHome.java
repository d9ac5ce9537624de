package dev.specula.launcher.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository root, where {@code models/} lives: {@code -Dspecula.home} (set by the {@code ./specula} script),
 * else the nearest parent of the working directory that has {@code models/bundled}.
 */
public final class SpeculaHome {

    private SpeculaHome() {
    }

    public static Path root() {
        String configured = System.getProperty("specula.home");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models/bundled"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the Specula folder (models/bundled): run from the repository "
                + "or set -Dspecula.home");
    }
}
