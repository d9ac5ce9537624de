package dev.specula.runtime.kvcodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BitPackerTest {

    @Test
    void codesOfEveryWidthRoundTripAndTakeWholeBytes() {
        SplittableRandom random = new SplittableRandom(1);
        for (int bits = 1; bits <= 8; bits++) {
            for (int count : new int[] {0, 1, 3, 7, 8, 33, 1000}) {
                int[] codes = random.ints(count, 0, 1 << bits).toArray();
                ByteBuffer buffer = ByteBuffer.allocate(BitPacker.bytesFor(count, bits) + 1);
                BitPacker.pack(codes, bits, buffer);
                assertEquals(BitPacker.bytesFor(count, bits), buffer.position(), bits + " bits x " + count);
                buffer.put((byte) 0x5A).flip();

                assertArrayEquals(codes, BitPacker.unpack(buffer, count, bits));
                assertEquals(0x5A, buffer.get(), "unpack stops at the run's last byte");
            }
        }
    }
}
