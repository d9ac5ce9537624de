package dev.specula.runtime.testing;

import static org.junit.jupiter.api.Assertions.fail;

/** Comparisons of flat logits arrays. */
public final class Logits {
    private Logits() {
    }

    /** Asserts |expected[eFrom + i] - actual[aFrom + i]| ≤ tolerance for i in [0, count). */
    public static void assertClose(float[] expected, int eFrom, float[] actual, int aFrom, int count, double tolerance,
                                   String what) {
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < count; i++) {
            double diff = Math.abs(expected[eFrom + i] - actual[aFrom + i]);
            if (!(diff <= worst)) {
                worst = diff;
                worstAt = i;
            }
        }
        if (!(worst <= tolerance)) {
            fail(what + ": max |diff| " + worst + " at value " + worstAt + " exceeds " + tolerance);
        }
    }

    public static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        if (expected.length != actual.length) {
            fail(what + ": lengths " + expected.length + " vs " + actual.length);
        }
        assertClose(expected, 0, actual, 0, expected.length, tolerance, what);
    }
}
