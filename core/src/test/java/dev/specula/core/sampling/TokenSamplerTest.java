package dev.specula.core.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenSamplerTest {
    // Stored order is not id order: the CDF follows the stored order 7, 2, 9.
    private static final SparseDistribution D =
            new SparseDistribution(new int[] {7, 2, 9}, new float[] {0.5f, 0.25f, 0.25f});

    @ParameterizedTest(name = "u={0} -> {1}")
    @CsvSource({"0.0, 7", "0.49999, 7", "0.5, 2", "0.74999, 2", "0.75, 9", "0.9999999999, 9"})
    void invertsTheCdfInStoredOrder(double u, int expected) {
        assertEquals(expected, TokenSampler.sample(D, u));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.98, 0.995, 0.9999999999999999})
    void slackBeyondTheFloatSumFallsOnTheLastToken(double u) {
        SparseDistribution shortSum = new SparseDistribution(new int[] {1, 0}, new float[] {0.6f, 0.39f});
        assertEquals(0, TokenSampler.sample(shortSum, u));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, Double.NaN})
    void rejectsNumbersOutsideTheUnitInterval(double u) {
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.sample(D, u));
    }
}
