package dev.specula.runtime.testing;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Models loaded once per test JVM and shared by all test classes (loading is the slow part). Never closed:
 * the JVM's exit releases them. Two intra-op threads match the 2-core development machines.
 */
public final class TestModels {
    private static final Map<Path, DecoderModel> LOADED = new ConcurrentHashMap<>();

    private TestModels() {
    }

    public static DecoderModel tiny() {
        return load(RepoPaths.testTiny());
    }

    public static DecoderModel bundledVerifier() {
        return load(RepoPaths.bundledVerifier());
    }

    public static DecoderModel bundledDrafter() {
        return load(RepoPaths.bundledDrafter());
    }

    public static DecoderModel load(Path folder) {
        return LOADED.computeIfAbsent(folder, f -> DecoderModel.load(f, ExecutionSettings.defaults().withIntraOpThreads(2)));
    }

    /** Deterministic pseudo-random byte tokens (ids 0..255), different per seed. */
    public static int[] tokens(int count, int seed) {
        int[] tokens = new int[count];
        long state = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < count; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            tokens[i] = (int) ((state >>> 33) % 256);
        }
        return tokens;
    }
}
