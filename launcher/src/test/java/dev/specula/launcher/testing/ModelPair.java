package dev.specula.launcher.testing;

import dev.specula.service.testing.RepoRoot;
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

    /** @see RepoRoot#path() */
    public static Path repoRoot() {
        return RepoRoot.path();
    }
}
