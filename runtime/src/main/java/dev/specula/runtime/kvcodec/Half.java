package dev.specula.runtime.kvcodec;

/**
 * IEEE 754 binary16 conversions (Java 17 has no {@code Float.floatToFloat16}). Rounding is to nearest, ties to even,
 * exactly like hardware conversion, so a value already representable in fp16 survives any number of round trips.
 */
public final class Half {

    /** Largest finite fp16 value. */
    public static final float MAX_VALUE = 65504f;

    private Half() {
    }

    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x7FFFFF;
        if (exponent == 0xFF) {
            return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0)); // infinity, or a quiet NaN
        }
        int e = exponent - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00); // overflow: infinity
        }
        if (e <= 0) { // an fp16 subnormal (or zero): value = m * 2^-24
            if (e < -10) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            int shift = 14 - e;
            return (short) (sign | roundShift(full, shift));
        }
        int half = (e << 10) | (mantissa >> 13);
        int rest = mantissa & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correct result (up to infinity)
        }
        return (short) (sign | half);
    }

    public static float toFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /** The largest fp16 value not above {@code value} (finite input within the fp16 range). */
    public static short floor(float value) {
        short h = fromFloat(value);
        return toFloat(h) > value ? stepDown(h) : h;
    }

    /** The smallest fp16 value not below {@code value} (finite input within the fp16 range). */
    public static short ceil(float value) {
        short h = fromFloat(value);
        return toFloat(h) < value ? stepUp(h) : h;
    }

    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        return rest > halfway || (rest == halfway && (kept & 1) == 1) ? kept + 1 : kept;
    }

    private static short stepUp(short h) {
        int bits = h & 0xFFFF;
        if (bits == 0x8000) {
            return 0x0001; // -0 → smallest positive subnormal
        }
        return (short) ((bits & 0x8000) == 0 ? bits + 1 : bits - 1);
    }

    private static short stepDown(short h) {
        int bits = h & 0xFFFF;
        if (bits == 0x0000) {
            return (short) 0x8001; // +0 → smallest negative subnormal
        }
        return (short) ((bits & 0x8000) == 0 ? bits - 1 : bits + 1);
    }
}
