package dev.specula.runtime.decoder;

import static dev.specula.runtime.testing.Logits.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.testing.TestModels;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DecoderSessionTest {
    private static final double TOLERANCE = 1e-4;
    private final DecoderModel model = TestModels.tiny();
    private final int vocab = model.vocabSize();

    @Test
    void kvCachedIncrementalLogitsEqualFullRecomputation() {
        int[] tokens = TestModels.tokens(48, 1);
        try (DecoderSession full = model.newSession(); DecoderSession incremental = model.newSession()) {
            float[] all = full.forward(tokens);
            assertNonTrivial(all);
            for (int i = 0; i < tokens.length; i++) {
                float[] row = incremental.forward(new int[] {tokens[i]});
                assertClose(all, i * vocab, row, 0, vocab, TOLERANCE, "row " + i);
            }
            assertEquals(tokens.length, incremental.length());
        }
    }

    @Test
    void aSessionSizedUpFrontGrowsNoFurtherThanItsExpectedLengthAndStillDecodesPastIt() {
        int expected = 40;
        int[] tokens = TestModels.tokens(expected + 3, 4);
        long perToken = model.signature().kvBytesPerToken();
        try (DecoderSession sized = model.newSession(expected); DecoderSession open = model.newSession()) {
            for (int i = 0; i < expected; i++) {
                assertClose(open.forward(new int[] {tokens[i]}), 0, sized.forward(new int[] {tokens[i]}), 0, vocab,
                        TOLERANCE, "token " + i);
            }
            assertEquals(2L * expected * perToken, sized.kvCapacityBytes(), "both buffers hold exactly 40 tokens");
            assertTrue(open.kvCapacityBytes() > sized.kvCapacityBytes(), "unsized growth doubles past 40");
            float[] past = sized.forward(Arrays.copyOfRange(tokens, expected, tokens.length));
            float[] reference = open.forward(Arrays.copyOfRange(tokens, expected, tokens.length));
            assertClose(reference, 0, past, 0, reference.length, TOLERANCE, "past the expected length");
            assertEquals(expected + 3, sized.length());
        }
        assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
    }

    @Test
    void forwardOfNTokensInOneCallEqualsNSingleTokenForwards() {
        int[] prefix = TestModels.tokens(20, 2);
        int[] block = TestModels.tokens(8, 3);
        try (DecoderSession once = model.newSession(); DecoderSession stepwise = model.newSession()) {
            once.forward(prefix);
            stepwise.forward(prefix);
            float[] together = once.forward(block);
            for (int i = 0; i < block.length; i++) {
                float[] row = stepwise.forward(new int[] {block[i]});
                assertClose(together, i * vocab, row, 0, vocab, TOLERANCE, "token " + i);
            }
        }
    }

    @Test
    void truncateThenReforwardEqualsTheOriginal() {
        int[] tokens = TestModels.tokens(30, 4);
        try (DecoderSession session = model.newSession()) {
            float[] original = session.forward(tokens);
            session.truncate(20);
            assertEquals(20, session.length());
            float[] again = session.forward(Arrays.copyOfRange(tokens, 20, 30));
            assertClose(original, 20 * vocab, again, 0, 10 * vocab, TOLERANCE, "re-forwarded rows");
            // Rolling back and continuing differently equals a fresh computation of the new sequence.
            session.truncate(7);
            int[] other = TestModels.tokens(5, 5);
            float[] continued = session.forward(other);
            try (DecoderSession fresh = model.newSession()) {
                int[] sequence = concat(Arrays.copyOf(tokens, 7), other);
                float[] expected = fresh.forward(sequence);
                assertClose(expected, 7 * vocab, continued, 0, 5 * vocab, TOLERANCE, "rolled back, new continuation");
            }
            session.truncate(0);
            assertEquals(0, session.length());
            assertClose(original, 0, session.forward(new int[] {tokens[0]}), 0, vocab, TOLERANCE, "from empty");
        }
    }

    @Test
    void exportThenImportIntoAFreshSessionReproducesTheNextTokenLogits() {
        int[] tokens = TestModels.tokens(25, 6);
        int[] next = {65, 66, 67};
        try (DecoderSession source = model.newSession(); DecoderSession target = model.newSession();
             DecoderSession partial = model.newSession()) {
            source.forward(tokens);
            ByteBuffer block = source.exportKv(0, tokens.length);
            GraphSignature g = model.signature();
            assertEquals(KvBlockLayout.HEADER_BYTES + 2L * g.layers() * g.kvHeads() * tokens.length * g.headDim() * 4,
                    block.remaining());
            target.importKv(0, block);
            assertEquals(tokens.length, target.length());
            float[] expected = source.forward(next);
            assertClose(expected, target.forward(next), TOLERANCE, "after import of the whole prefix");
            // A block of [10, 25) appended to a session that computed [0, 10) itself.
            partial.forward(Arrays.copyOf(tokens, 10));
            source.truncate(tokens.length);
            partial.importKv(10, source.exportKv(10, tokens.length));
            assertClose(expected, partial.forward(next), TOLERANCE, "after appending an imported block");
        }
    }

    @Test
    void importingTheFirstTokensOfABlockEqualsImportingABlockOfJustThose() {
        int[] tokens = TestModels.tokens(20, 9);
        try (DecoderSession source = model.newSession(); DecoderSession prefix = model.newSession();
             DecoderSession exact = model.newSession()) {
            source.forward(tokens);
            ByteBuffer whole = source.exportKv(0, tokens.length);
            prefix.importKv(0, whole, 12);
            exact.importKv(0, source.exportKv(0, 12));
            assertEquals(12, prefix.length());
            for (int s = 0; s < 2 * model.signature().layers(); s++) {
                assertEquals(exact.kv().slot(s).slice(0, (int) (exact.kvBytes() / (2 * model.signature().layers()))),
                        prefix.kv().slot(s).slice(0, (int) (prefix.kvBytes() / (2 * model.signature().layers()))),
                        "slot " + s);
            }
            assertEquals(0, whole.position(), "the block is read, not consumed");
            assertThrows(IllegalArgumentException.class, () -> exact.importKv(0, whole, 21));
        }
    }

    @Test
    void importAtAnEarlierStartReplacesTheTail() {
        int[] tokens = TestModels.tokens(12, 7);
        try (DecoderSession a = model.newSession(); DecoderSession b = model.newSession()) {
            a.forward(tokens);
            b.forward(TestModels.tokens(20, 8)); // unrelated, longer
            b.importKv(0, a.exportKv(0, 12));
            assertEquals(12, b.length());
            assertClose(a.forward(new int[] {1}), b.forward(new int[] {1}), TOLERANCE, "after replacing");
        }
    }

    @Test
    void forwardLastReturnsTheLastRowsOfForward() {
        int[] tokens = TestModels.tokens(16, 9);
        try (DecoderSession all = model.newSession(); DecoderSession last = model.newSession()) {
            float[] full = all.forward(tokens);
            float[] tail = last.forwardLast(tokens, 3);
            assertClose(full, 13 * vocab, tail, 0, 3 * vocab, TOLERANCE, "last 3 rows");
            assertEquals(16, last.length());
        }
    }

    @Test
    void kvBytesCountLayersHeadsAndTokens() {
        GraphSignature g = model.signature();
        try (DecoderSession session = model.newSession()) {
            assertEquals(0, session.kvBytes());
            session.forward(TestModels.tokens(10, 10));
            assertEquals(10L * 2 * g.layers() * g.kvHeads() * g.headDim() * 4, session.kvBytes());
            assertTrue(session.kvCapacityBytes() >= session.kvBytes());
        }
    }

    @Test
    void badTokenIdsAreRejectedNamingTheId() {
        try (DecoderSession session = model.newSession()) {
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                    () -> session.forward(new int[] {1, vocab}));
            assertTrue(tooBig.getMessage().contains("token id " + vocab), tooBig.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> session.forward(new int[] {-1}));
            assertTrue(negative.getMessage().contains("token id -1"), negative.getMessage());
            assertThrows(IllegalArgumentException.class, () -> session.forward(new int[0]));
            assertEquals(0, session.length(), "rejected input leaves the session unchanged");
        }
    }

    @Test
    void growingPastTheContextIsAContextOverflowWithTheNumbers() {
        int max = model.maxPositions();
        try (DecoderSession session = model.newSession()) {
            session.forward(TestModels.tokens(10, 11));
            ContextOverflowException e = assertThrows(ContextOverflowException.class,
                    () -> session.forward(new int[max - 9]));
            assertEquals(10, e.length());
            assertEquals(max - 9, e.requested());
            assertEquals(max, e.maxPositions());
            assertTrue(e.getMessage().contains(String.valueOf(max)), e.getMessage());
            assertEquals(10, session.length());
        }
    }

    @Test
    void badTruncationsExportsAndImportsAreRejected() {
        try (DecoderSession session = model.newSession(); DecoderSession other = model.newSession()) {
            session.forward(TestModels.tokens(5, 12));
            assertThrows(IllegalArgumentException.class, () -> session.truncate(6));
            assertThrows(IllegalArgumentException.class, () -> session.truncate(-1));
            assertThrows(IllegalArgumentException.class, () -> session.exportKv(2, 6));
            IllegalArgumentException gap = assertThrows(IllegalArgumentException.class,
                    () -> other.importKv(3, session.exportKv(3, 5)));
            assertTrue(gap.getMessage().contains("cannot import at 3"), gap.getMessage());
            IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
                    () -> other.importKv(0, ByteBuffer.allocate(64)));
            assertTrue(garbage.getMessage().contains("magic"), garbage.getMessage());
            ByteBuffer truncated = session.exportKv(0, 5);
            truncated.limit(truncated.limit() - 1);
            assertThrows(IllegalArgumentException.class, () -> other.importKv(0, truncated));
            assertEquals(0, other.length());
        }
    }

    @Test
    void aClosedSessionRefusesWork() {
        DecoderSession session = model.newSession();
        session.forward(new int[] {1, 2});
        session.close();
        session.close();
        assertThrows(IllegalStateException.class, () -> session.forward(new int[] {3}));
    }

    /** Guards against vacuous equality: pinned outputs that were never written would be all zeros. */
    static void assertNonTrivial(float[] logits) {
        int vocab = TestModels.tiny().vocabSize();
        assertTrue(Arrays.stream(toDoubles(logits, 0, vocab)).anyMatch(x -> Math.abs(x) > 1e-3), "row 0 is all zeros");
        boolean rowsDiffer = false;
        for (int i = 0; i < vocab; i++) {
            rowsDiffer |= Math.abs(logits[i] - logits[vocab + i]) > 1e-4;
        }
        assertTrue(rowsDiffer, "rows 0 and 1 are identical");
    }

    private static double[] toDoubles(float[] values, int from, int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = values[from + i];
        }
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
