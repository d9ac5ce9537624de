package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.testing.TestModels;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Admission reserves {@link KvFootprint#bytesFor}; a real cache must never hold more, whatever it went through. */
class KvFootprintTest {
    private final DecoderModel tiny = TestModels.tiny();
    private final KvFootprint footprint = new KvFootprint(tiny);

    @Test
    void aCacheNeverHoldsMoreThanItsFootprintThroughGrowthRollbackAndImports() {
        Random random = new Random(3);
        for (int trial = 0; trial < 6; trial++) {
            int limit = 20 + random.nextInt(300);
            try (DecoderSession session = tiny.newSession(limit)) {
                int longest = 0;
                for (int step = 0; step < 40; step++) {
                    double r = random.nextDouble();
                    int length = session.length();
                    if ((r < 0.6 || length == 0) && length < limit) {
                        int n = random.nextInt(10) == 0 ? 1 + random.nextInt(150) : 1 + random.nextInt(9);
                        session.forwardLast(TestModels.tokens(Math.min(n, limit - length), step), 1);
                    } else if (r < 0.8) {
                        session.truncate(random.nextInt(length + 1));
                    } else {
                        int keep = random.nextInt(length + 1);
                        ByteBuffer block = session.exportKv(keep, length);
                        session.truncate(keep);
                        session.importKv(keep, block);
                    }
                    longest = Math.max(longest, session.length());
                    long held = session.kvCapacityBytes();
                    assertTrue(held <= footprint.bytesFor(limit), "trial " + trial + " step " + step + ": " + held
                            + " bytes held after reaching " + longest + " of " + limit + " tokens, bound "
                            + footprint.bytesFor(limit));
                }
            }
        }
    }
}
