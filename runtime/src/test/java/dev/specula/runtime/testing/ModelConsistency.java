package dev.specula.runtime.testing;

import static dev.specula.runtime.testing.Logits.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specula.runtime.decoder.BatchStaging;
import dev.specula.runtime.decoder.BatchedForward;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The KV-cache consistency checks, written once and run on any model: test-tiny always, the bundled pair once
 * exported. Each compares two ways of computing the same logits.
 */
public final class ModelConsistency {
    private ModelConsistency() {
    }

    /** Prefill + one call of 5 tokens + single-token steps, all against one full recomputation. */
    public static void incrementalEqualsFull(DecoderModel model, int length, double tolerance) {
        int vocab = model.vocabSize();
        int[] tokens = TestModels.tokens(length, 41);
        try (DecoderSession full = model.newSession(); DecoderSession incremental = model.newSession()) {
            float[] all = full.forward(tokens);
            int prefill = length - 8;
            float[] head = incremental.forward(Arrays.copyOf(tokens, prefill));
            assertClose(all, 0, head, 0, prefill * vocab, tolerance, "prefill rows");
            float[] block = incremental.forward(Arrays.copyOfRange(tokens, prefill, prefill + 5));
            assertClose(all, prefill * vocab, block, 0, 5 * vocab, tolerance, "5-token block");
            for (int i = prefill + 5; i < length; i++) {
                float[] row = incremental.forward(new int[] {tokens[i]});
                assertClose(all, i * vocab, row, 0, vocab, tolerance, "single-token row " + i);
            }
        }
    }

    /** Rollback then re-forward, and export → import into a fresh session, reproduce the original rows. */
    public static void truncateAndTransferReproduce(DecoderModel model, int length, double tolerance) {
        int vocab = model.vocabSize();
        int[] tokens = TestModels.tokens(length, 42);
        int cut = length / 2;
        try (DecoderSession session = model.newSession(); DecoderSession imported = model.newSession()) {
            float[] original = session.forward(tokens);
            session.truncate(cut);
            float[] again = session.forward(Arrays.copyOfRange(tokens, cut, length));
            assertClose(original, cut * vocab, again, 0, (length - cut) * vocab, tolerance, "after truncate");
            imported.importKv(0, session.exportKv(0, length));
            assertEquals(length, imported.length());
            assertClose(session.forward(new int[] {65}), imported.forward(new int[] {65}), tolerance, "after import");
        }
    }

    /** Three or more sessions of different lengths and widths in one call equal their unbatched forwards. */
    public static void batchedEqualsUnbatched(DecoderModel model, int[] pasts, int[] widths, double tolerance) {
        batchedEqualsUnbatched(model, pasts, widths, tolerance, new BatchStaging());
    }

    /** As above, staging both batched calls in {@code staging}, which may hold what earlier batches left there. */
    public static void batchedEqualsUnbatched(DecoderModel model, int[] pasts, int[] widths, double tolerance,
                                              BatchStaging staging) {
        List<DecoderSession> batched = new ArrayList<>();
        List<DecoderSession> alone = new ArrayList<>();
        List<int[]> newTokens = new ArrayList<>();
        try {
            for (int b = 0; b < pasts.length; b++) {
                // Every other session is sized to its past exactly, so its batched steps re-lay its cache instead of
                // appending in place: both paths are compared with unbatched forwards.
                batched.add(b % 2 == 1 && pasts[b] > 0 ? model.newSession(pasts[b]) : model.newSession());
                alone.add(model.newSession());
                if (pasts[b] > 0) {
                    int[] past = TestModels.tokens(pasts[b], 60 + b);
                    batched.get(b).forward(past);
                    alone.get(b).forward(past);
                }
                newTokens.add(TestModels.tokens(widths[b], 70 + b));
            }
            List<float[]> logits = BatchedForward.forward(batched, newTokens, staging);
            for (int b = 0; b < pasts.length; b++) {
                assertClose(alone.get(b).forward(newTokens.get(b)), logits.get(b), tolerance, "session " + b);
                assertEquals(pasts[b] + widths[b], batched.get(b).length());
            }
            List<int[]> next = new ArrayList<>();
            for (int b = 0; b < pasts.length; b++) {
                next.add(TestModels.tokens(1 + b % 3, 80 + b));
            }
            List<float[]> second = BatchedForward.forward(batched, next, staging);
            for (int b = 0; b < pasts.length; b++) {
                assertClose(alone.get(b).forward(next.get(b)), second.get(b), tolerance, "session " + b + ", step 2");
            }
        } finally {
            batched.forEach(DecoderSession::close);
            alone.forEach(DecoderSession::close);
        }
    }
}
