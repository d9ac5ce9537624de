package dev.specula.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The gate's own arithmetic, against published chi-square tables. */
class ChiSquareTest {

    @ParameterizedTest
    @CsvSource({"1, 10.828", "2, 13.816", "5, 20.515", "10, 29.588", "35, 66.619", "100, 149.449", "215, 284.815"})
    void criticalValuesMatchTables(int df, double expected) {
        assertEquals(expected, ChiSquare.criticalValue(df, 0.001), expected * 2e-4);
    }

    @Test
    void upperTailOfTheMeanIsAboutAHalfForLargeDf() {
        assertEquals(0.5, ChiSquare.upperTail(1000, 999.33), 0.01);
    }

    @Test
    void perfectFitPassesAndGrossMisfitFails() {
        double[] probs = {0.5, 0.3, 0.2};
        ChiSquare.assertFits(new long[] {5000, 3000, 2000}, probs, "exact");
        ChiSquare.assertDoesNotFit(new long[] {5200, 2800, 2000}, probs, "4% off on 10^4 draws");
    }

    @Test
    void drawsInAZeroProbabilityCellFailAtOnce() {
        assertThrows(AssertionError.class,
                () -> ChiSquare.test(new long[] {10_000, 1, 0}, new double[] {0.9, 0.0, 0.1}));
    }
}
