package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.runtime.testing.TestModels;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Runs written straight into an empty cache: invisible until committed, and exactly the exported KV after. */
class KvImportTest {
    private final DecoderModel model = TestModels.tiny();
    private final GraphSignature signature = model.signature();

    @Test
    void runsWrittenHeadByHeadAndCommittedEqualAnImportOfTheSameBlock() {
        int[] tokens = TestModels.tokens(20, 5);
        try (DecoderSession source = model.newSession(); DecoderSession written = model.newSession();
             DecoderSession imported = model.newSession()) {
            source.forward(tokens);
            ByteBuffer block = source.exportKv(0, 16);
            KvImport target = written.beginImport(24);
            writeAll(target, block, 16);
            assertEquals(0, written.length(), "the cache is untouched until the commit");
            target.commit(12); // fewer than written: the rest is dropped
            imported.importKv(0, block, 12);

            assertEquals(12, written.length());
            assertEquals(imported.exportKv(0, 12), written.exportKv(0, 12));
            int[] next = TestModels.tokens(4, 6);
            assertArrayEquals(imported.forward(next), written.forward(next));
        }
    }

    @Test
    void anImportNeverCommittedLeavesTheSessionEmptyAndUsable() {
        int[] tokens = TestModels.tokens(8, 7);
        try (DecoderSession source = model.newSession(); DecoderSession abandoned = model.newSession();
             DecoderSession fresh = model.newSession()) {
            source.forward(tokens);
            writeAll(abandoned.beginImport(8), source.exportKv(0, 8), 8);

            assertEquals(0, abandoned.length());
            assertArrayEquals(fresh.forward(tokens), abandoned.forward(tokens));
        }
    }

    @Test
    void badRunsAndSecondCommitsAreRefusedAndOnlyAnEmptySessionImports() {
        try (DecoderSession session = model.newSession(); DecoderSession busy = model.newSession()) {
            KvImport target = session.beginImport(4);
            ByteBuffer source = ByteBuffer.allocate(64 * signature.headDim() * signature.kvType().bytes);
            assertThrows(IllegalArgumentException.class, () -> target.put(0, 0, 2, source, 0, 3), "past capacity");
            assertThrows(IllegalArgumentException.class,
                    () -> target.put(2 * signature.layers(), 0, 0, source, 0, 1), "no such slot");
            assertThrows(IllegalArgumentException.class,
                    () -> target.put(0, signature.kvHeads(), 0, source, 0, 1), "no such head");
            assertThrows(IllegalArgumentException.class, () -> target.commit(5));
            target.commit(0);
            assertThrows(IllegalStateException.class, () -> target.commit(0));
            assertThrows(IllegalStateException.class, () -> target.put(0, 0, 0, source, 0, 1));

            busy.forward(TestModels.tokens(3, 8));
            assertThrows(IllegalStateException.class, () -> busy.beginImport(4));
            assertThrows(ContextOverflowException.class, () -> session.beginImport(model.maxPositions() + 1));
        }
    }

    /** Every (slot, head) run of a {@link KvBlockLayout} block of {@code tokens} tokens, at token 0. */
    private void writeAll(KvImport target, ByteBuffer block, int tokens) {
        int runBytes = tokens * signature.headDim() * signature.kvType().bytes;
        int at = KvBlockLayout.HEADER_BYTES;
        for (int slot = 0; slot < 2 * signature.layers(); slot++) {
            for (int head = 0; head < signature.kvHeads(); head++) {
                target.put(slot, head, 0, block, at, tokens);
                at += runBytes;
            }
        }
    }
}
