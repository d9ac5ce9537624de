package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * A scheduler reuses one staging: a smaller batch after a larger one finds the larger one's bytes in its pads.
     * Here they are NaN, which any unmasked read, or a masked one that is not cleared first, spreads into logits.
     */
    @Test
    void aReusedStagingOverStaleNaNBytesStillEqualsUnbatched() {
        BatchStaging staging = new BatchStaging();
        ModelConsistency.batchedEqualsUnbatched(model, new int[] {40, 3, 25}, new int[] {4, 2, 5}, TOLERANCE, staging);
        long held = staging.retainedBytes();
        staging.scribble(Float.NaN);
        // Pads that grow from session to session (12 → 7 → 0 past tokens) each need more cleared rows.
        ModelConsistency.batchedEqualsUnbatched(model, new int[] {12, 7, 0}, new int[] {2, 3, 1}, TOLERANCE, staging);
        assertEquals(held, staging.retainedBytes(), "a smaller batch fits the buffers already held");
    }

    /** Past its retention limit a staging hands out buffers for one call only; results do not change. */
    @Test
    void aStagingKeepsNoMoreThanItsLimit() {
        int[] pasts = {40, 3, 25};
        int[] widths = {4, 2, 5};
        BatchStaging unlimited = new BatchStaging();
        ModelConsistency.batchedEqualsUnbatched(model, pasts, widths, TOLERANCE, unlimited);
        long limit = unlimited.keptBytes() / 3;
        BatchStaging limited = new BatchStaging(limit);
        ModelConsistency.batchedEqualsUnbatched(model, pasts, widths, TOLERANCE, limited);
        assertTrue(limited.keptBytes() <= limit, limited.keptBytes() + " bytes kept over a limit of " + limit);
        assertTrue(limited.keptBytes() > 0, "what fits the limit is still kept");
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
