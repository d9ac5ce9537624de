package dev.specula.core.random;

/**
 * A counter-based random generator: the number for a key (request seed, absolute position, purpose) is a pure
 * function of that key. There is no state to carry, seed or lose, so a request replays identically after a
 * retry or a failover to another replica, whatever was drawn before and in whatever order.
 *
 * <p>The key is folded through the SplitMix64 finaliser one word at a time; for a fixed seed and purpose the
 * map from position to the 64-bit hash is a bijection, so no two positions share a number before truncation.
 * The top 53 bits become the mantissa of a double in [0, 1).
 *
 * <p>Changing the mix or the order of {@link Purpose} changes every stream (and breaks replay across replicas
 * running different versions); {@code CounterRngTest} pins reference values for that reason.
 */
public final class CounterRng {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double UNIT = 0x1.0p-53;

    private CounterRng() {
    }

    /** A uniform double in [0, 1) for this key; the same key always gives the same number. */
    public static double uniform(long seed, long position, Purpose purpose) {
        long h = mix64(seed + GOLDEN_GAMMA);
        h = mix64(h + position * GOLDEN_GAMMA + GOLDEN_GAMMA);
        h = mix64(h + (purpose.ordinal() + 1L) * GOLDEN_GAMMA);
        return (h >>> 11) * UNIT;
    }

    /** SplitMix64's finaliser (Stafford's variant 13): a bijection on 64 bits with full avalanche. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
