package dev.specula.runtime.decoder;

import static dev.specula.runtime.testing.Logits.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.runtime.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchedForwardTest {
    private static final double TOLERANCE = 1e-4;
    private final DecoderModel model = TestModels.tiny();
    private final int vocab = model.vocabSize();

    @Test
    void batchedEqualsUnbatchedForSessionsOfDifferentLengthsAndWidths() {
        int[] pasts = {0, 5, 17, 30};
        int[] widths = {3, 1, 6, 2};
        List<DecoderSession> batched = new ArrayList<>();
        List<DecoderSession> alone = new ArrayList<>();
        List<int[]> newTokens = new ArrayList<>();
        try {
            for (int b = 0; b < pasts.length; b++) {
                batched.add(model.newSession());
                alone.add(model.newSession());
                if (pasts[b] > 0) {
                    int[] past = TestModels.tokens(pasts[b], 100 + b);
                    batched.get(b).forward(past);
                    alone.get(b).forward(past);
                }
                newTokens.add(TestModels.tokens(widths[b], 200 + b));
            }
            List<float[]> logits = BatchedForward.forward(batched, newTokens);
            for (int b = 0; b < pasts.length; b++) {
                float[] expected = alone.get(b).forward(newTokens.get(b));
                assertClose(expected, logits.get(b), TOLERANCE, "session " + b + " logits");
                assertEquals(pasts[b] + widths[b], batched.get(b).length());
            }
            // The scattered KV is right: a second batched step and the unbatched continuation agree too.
            List<int[]> second = new ArrayList<>();
            for (int b = 0; b < pasts.length; b++) {
                second.add(TestModels.tokens(1 + b % 2, 300 + b));
            }
            List<float[]> again = BatchedForward.forward(batched, second);
            for (int b = 0; b < pasts.length; b++) {
                assertClose(alone.get(b).forward(second.get(b)), again.get(b), TOLERANCE, "session " + b + " step 2");
            }
        } finally {
            batched.forEach(DecoderSession::close);
            alone.forEach(DecoderSession::close);
        }
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
