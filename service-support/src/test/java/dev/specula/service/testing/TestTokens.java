package dev.specula.service.testing;

/** Token ids for the services' tests. */
public final class TestTokens {
    private TestTokens() {
    }

    /** Deterministic byte tokens (ids 0..255, in every byte-level vocabulary), different per seed. */
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
