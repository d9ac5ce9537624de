package dev.specula.runtime.kvcodec;

import java.nio.ByteBuffer;

/**
 * Writes and reads a run of small unsigned codes (1..8 bits each), packed least significant bit first and padded to
 * a whole byte at the end of the run. 4-bit codes take half a byte, 2-bit codes a quarter.
 */
final class BitPacker {

    private BitPacker() {
    }

    static int bytesFor(long codes, int bits) {
        return Math.toIntExact((codes * bits + 7) / 8);
    }

    static void pack(int[] codes, int bits, ByteBuffer out) {
        int accumulator = 0;
        int filled = 0;
        for (int code : codes) {
            accumulator |= code << filled;
            filled += bits;
            while (filled >= 8) {
                out.put((byte) accumulator);
                accumulator >>>= 8;
                filled -= 8;
            }
        }
        if (filled > 0) {
            out.put((byte) accumulator);
        }
    }

    static int[] unpack(ByteBuffer in, int count, int bits) {
        int[] codes = new int[count];
        int mask = (1 << bits) - 1;
        int accumulator = 0;
        int available = 0;
        for (int i = 0; i < count; i++) {
            if (available < bits) {
                accumulator |= (in.get() & 0xFF) << available;
                available += 8;
            }
            codes[i] = accumulator & mask;
            accumulator >>>= bits;
            available -= bits;
        }
        return codes;
    }
}
