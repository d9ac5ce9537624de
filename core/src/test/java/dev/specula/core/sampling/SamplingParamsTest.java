package dev.specula.core.sampling;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplingParamsTest {

    @ParameterizedTest(name = "T={0} topK={1} topP={2}")
    @CsvSource({
        "-0.1, 0, 1.0",
        "NaN, 0, 1.0",
        "Infinity, 0, 1.0",
        "1.0, -1, 1.0",
        "1.0, 0, 0.0",
        "1.0, 0, -0.5",
        "1.0, 0, 1.0000001",
        "1.0, 0, NaN"})
    void rejectsInvalidValues(double temperature, int topK, double topP) {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(temperature, topK, topP, 1L));
    }

    @ParameterizedTest(name = "T={0} topK={1} topP={2}")
    @CsvSource({"0.0, 0, 1.0", "1e-6, 1, 1e-9", "0.7, 50, 0.95", "5.0, 150000, 1.0"})
    void acceptsValidValues(double temperature, int topK, double topP) {
        assertDoesNotThrow(() -> new SamplingParams(temperature, topK, topP, -7L));
    }

    @Test
    void greedyMeansTemperatureZero() {
        assertTrue(SamplingParams.GREEDY.greedy());
        assertTrue(new SamplingParams(0.0, 40, 0.9, 3L).greedy());
        assertFalse(new SamplingParams(0.01, 0, 1.0, 3L).greedy());
    }
}
