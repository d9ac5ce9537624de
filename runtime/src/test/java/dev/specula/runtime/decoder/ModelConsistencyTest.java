package dev.specula.runtime.decoder;

import dev.specula.runtime.testing.ModelConsistency;
import dev.specula.runtime.testing.TestModels;
import org.junit.jupiter.api.Test;

/** The shared consistency checks on test-tiny (the bundled pair runs them in {@link BundledModelsTest}). */
class ModelConsistencyTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void incrementalEqualsFull() {
        ModelConsistency.incrementalEqualsFull(TestModels.tiny(), 64, TOLERANCE);
    }

    @Test
    void truncateAndTransferReproduce() {
        ModelConsistency.truncateAndTransferReproduce(TestModels.tiny(), 40, TOLERANCE);
    }

    @Test
    void batchedEqualsUnbatchedWithAnEmptySessionInTheBatch() {
        ModelConsistency.batchedEqualsUnbatched(TestModels.tiny(), new int[] {0, 9, 33, 12, 1}, new int[] {4, 1, 6, 8, 2},
                TOLERANCE);
    }
}
