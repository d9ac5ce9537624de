package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.testing.TestModels;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Blocks laid into one import as they arrive: the imported KV must be exactly the prefix that was placed. */
class KvAssemblyTest {
    private static final int BLOCK = 4;
    private final DecoderModel tiny = TestModels.tiny();

    @Test
    void placedBlocksImportAsTheSameKvAsTheirTokensExportedInOne() {
        try (DecoderSession source = tiny.newSession(); DecoderSession assembled = tiny.newSession();
             DecoderSession direct = tiny.newSession()) {
            source.forward(TestModels.tokens(4 * BLOCK + 1, 11));
            List<byte[]> blocks = KvBlocks.export(source, BLOCK, 0, 4);
            KvAssembly assembly = new KvAssembly(assembled, tiny.signature(), BLOCK, 4);
            for (int b = 0; b < 3; b++) {
                assertTrue(assembly.add(ByteBuffer.wrap(blocks.get(b)).asReadOnlyBuffer()));
                assertEquals(0, assembled.length(), "nothing is the session's cache before the commit");
            }
            assertThrows(IllegalArgumentException.class, () -> assembly.commit(4));
            // Only two of the three placed blocks are vouched for.
            assembly.commit(2);
            direct.importKv(0, source.exportKv(0, 2 * BLOCK));

            assertEquals(2 * BLOCK, assembled.length());
            assertEquals(direct.exportKv(0, 2 * BLOCK), assembled.exportKv(0, 2 * BLOCK));
            // The restored session decodes on exactly as one that computed those tokens itself.
            int[] next = TestModels.tokens(3, 13);
            assertArrayEquals(direct.forward(next), assembled.forward(next));
        }
    }

    @Test
    void aMisfitIsRefusedAndNothingIsPlacedAfterIt() {
        try (DecoderSession source = tiny.newSession(); DecoderSession target = tiny.newSession()) {
            source.forward(TestModels.tokens(3 * BLOCK, 12));
            List<byte[]> blocks = KvBlocks.export(source, BLOCK, 0, 3);
            KvAssembly assembly = new KvAssembly(target, tiny.signature(), BLOCK, 3);
            assertTrue(assembly.add(ByteBuffer.wrap(blocks.get(0))));
            assertFalse(assembly.add(source.exportKv(BLOCK, 3 * BLOCK)), "two blocks' worth is not one block");
            assertFalse(assembly.add(ByteBuffer.wrap(blocks.get(1))), "nothing after a refused block");
            assertEquals(1, assembly.blocks());
        }
    }

    @Test
    void aMissAllocatesNothingAndImportsNothing() {
        try (DecoderSession session = tiny.newSession()) {
            KvAssembly assembly = new KvAssembly(session, tiny.signature(), BLOCK, 1000);
            assembly.commit(0);
            assertEquals(0, session.length());
            assertEquals(0, session.kvCapacityBytes(), "a miss allocates no cache memory");
        }
    }
}
