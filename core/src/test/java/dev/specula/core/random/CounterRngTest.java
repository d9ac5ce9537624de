package dev.specula.core.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.testing.ChiSquare;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CounterRngTest {
    private static final int DRAWS = 100_000;
    private static final int BINS = 100;

    /**
     * Replays across replicas and versions depend on these exact numbers: if this test fails, the stream changed
     * (mix constants, key order or the order of {@link Purpose}), and in-flight requests will not replay.
     */
    @ParameterizedTest
    @CsvSource({
        "0, 0, DRAFT, 0.13870941014555427",
        "42, 7, ACCEPT, 0.09326466189504978",
        "-1, 1000000, RECOVER, 0.733358965586944",
        "123456789, 3, BONUS, 0.832386624344207"})
    void referenceValuesArePinned(long seed, long position, Purpose purpose, double expected) {
        assertEquals(expected, CounterRng.uniform(seed, position, purpose));
    }

    @Test
    void sameKeyGivesSameNumber() {
        for (long position = 0; position < 1000; position++) {
            double first = CounterRng.uniform(99, position, Purpose.ACCEPT);
            assertEquals(first, CounterRng.uniform(99, position, Purpose.ACCEPT));
        }
    }

    @Test
    void everyKeyComponentChangesTheNumber() {
        double base = CounterRng.uniform(5, 10, Purpose.ACCEPT);
        assertNotEquals(base, CounterRng.uniform(6, 10, Purpose.ACCEPT));
        assertNotEquals(base, CounterRng.uniform(5, 11, Purpose.ACCEPT));
        for (Purpose other : Purpose.values()) {
            if (other != Purpose.ACCEPT) {
                assertNotEquals(base, CounterRng.uniform(5, 10, other));
            }
        }
    }

    @Test
    void staysInTheUnitInterval() {
        for (long seed : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            for (long position = -5; position < 5_000; position++) {
                double u = CounterRng.uniform(seed, position, Purpose.BONUS);
                assertTrue(u >= 0.0 && u < 1.0, () -> "out of [0, 1): " + u);
            }
        }
    }

    @Test
    void consecutivePositionsAreUniform() {
        long[] counts = new long[BINS];
        for (long position = 0; position < DRAWS; position++) {
            counts[bin(CounterRng.uniform(2024, position, Purpose.ACCEPT))]++;
        }
        ChiSquare.assertFits(counts, uniform(BINS), "positions 0.." + DRAWS);
    }

    @Test
    void consecutiveSeedsAreUniform() {
        // The statistical gates give each trial its own request seed 0, 1, 2, ...: those streams must look independent.
        long[] counts = new long[BINS];
        for (long seed = 0; seed < DRAWS; seed++) {
            counts[bin(CounterRng.uniform(seed, 3, Purpose.RECOVER))]++;
        }
        ChiSquare.assertFits(counts, uniform(BINS), "seeds 0.." + DRAWS);
    }

    @Test
    void purposesAtTheSamePositionAreIndependent() {
        // The accept test and the recovered draw at one position must not be correlated: joint bins fit a product.
        int side = 10;
        long[] counts = new long[side * side];
        for (long seed = 0; seed < DRAWS; seed++) {
            int a = (int) (CounterRng.uniform(seed, 17, Purpose.ACCEPT) * side);
            int b = (int) (CounterRng.uniform(seed, 17, Purpose.RECOVER) * side);
            counts[a * side + b]++;
        }
        ChiSquare.assertFits(counts, uniform(side * side), "ACCEPT x RECOVER pairs");
    }

    @Test
    void neighbouringPositionsAreIndependent() {
        int side = 10;
        long[] counts = new long[side * side];
        for (long position = 0; position < DRAWS; position++) {
            int a = (int) (CounterRng.uniform(7, position, Purpose.DRAFT) * side);
            int b = (int) (CounterRng.uniform(7, position + 1, Purpose.DRAFT) * side);
            counts[a * side + b]++;
        }
        ChiSquare.assertFits(counts, uniform(side * side), "(pos, pos + 1) pairs");
    }

    private static int bin(double u) {
        return (int) (u * BINS);
    }

    private static double[] uniform(int cells) {
        double[] probs = new double[cells];
        Arrays.fill(probs, 1.0 / cells);
        return probs;
    }
}
