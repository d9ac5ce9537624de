package dev.specula.runtime.kvcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfTest {

    @Test
    void everyFiniteHalfSurvivesARoundTripThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short half = (short) bits;
            float value = Half.toFloat(half);
            if (Float.isNaN(value)) {
                continue;
            }
            assertEquals(bits, Half.fromFloat(value) & 0xFFFF, "half 0x" + Integer.toHexString(bits));
        }
    }

    @Test
    void roundsToNearestWithTiesToEven() {
        assertEquals(1f, Half.toFloat(Half.fromFloat(1f + 0x1p-11f)), "tie between 1 and 1+2^-10 goes to even 1");
        assertEquals(1f + 0x1p-9f, Half.toFloat(Half.fromFloat(1f + 0x1.8p-10f)), "tie goes to the even neighbour");
        assertEquals(1f + 0x1p-10f, Half.toFloat(Half.fromFloat(1f + 0x1.2p-11f)), "above the tie rounds up");
        assertEquals(0x1p-24f, Half.toFloat(Half.fromFloat(0x1.1p-25f)), "just above half the smallest subnormal");
        assertEquals(0f, Half.toFloat(Half.fromFloat(0x1p-25f)), "exactly half of it ties to zero");
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(Half.fromFloat(65520f)), "overflow");
        assertEquals(65504f, Half.toFloat(Half.fromFloat(65519f)));
    }

    @Test
    void errorIsAtMostTwoToTheMinus11RelativeOrHalfTheSmallestSubnormal() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(-14, 15)));
            float back = Half.toFloat(Half.fromFloat(x));
            assertTrue(Math.abs(back - x) <= Math.max(Math.abs(x) * 0x1p-11f, 0x1p-25f), x + " -> " + back);
        }
    }

    @Test
    void floorAndCeilBracketTheValue() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(4);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(-26, 15)));
            float floor = Half.toFloat(Half.floor(x));
            float ceil = Half.toFloat(Half.ceil(x));
            assertTrue(floor <= x && x <= ceil, floor + " <= " + x + " <= " + ceil);
            assertTrue(ceil - floor <= Math.max(Math.abs(x) * 0x1p-9f, 0x1p-24f), "adjacent halves around " + x);
        }
    }
}
