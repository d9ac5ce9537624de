package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.runtime.testing.ModelConsistency;
import dev.specula.runtime.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchedForwardTest {
    private static final double TOLERANCE = 1e-4;
    private final DecoderModel model = TestModels.tiny();
    private final int vocab = model.vocabSize();

    @Test
    void batchedEqualsUnbatchedForSessionsOfDifferentLengthsAndWidths() {
        ModelConsistency.batchedEqualsUnbatched(model, new int[] {0, 5, 17, 30}, new int[] {3, 1, 6, 2}, TOLERANCE);
    }

    @Test
    void aSessionTwiceOrWithoutTokensIsRejected() {
        try (DecoderSession a = model.newSession(); DecoderSession b = model.newSession()) {
            assertThrows(IllegalArgumentException.class,
                    () -> BatchedForward.forward(List.of(a, a), List.of(new int[] {1}, new int[] {2})));
            assertThrows(IllegalArgumentException.class,
                    () -> BatchedForward.forward(List.of(a, b), List.of(new int[] {1}, new int[0])));
            assertThrows(IllegalArgumentException.class,
                    () -> BatchedForward.forward(List.of(a, b), List.of(new int[] {1}, new int[] {vocab})));
            assertEquals(0, a.length());
            assertEquals(0, b.length());
        }
    }
}
