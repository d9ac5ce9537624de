package dev.specula.runtime.kvcodec;

/**
 * Asymmetric b-bit quantization of one group of values with fp16 parameters: x ≈ min + q · scale, q in [0, 2^b − 1].
 * The minimum is rounded down and the scale up to fp16, so every value of the group still lies within
 * [min, min + (2^b − 1) · scale]: nothing is clipped, and the error per value is at most scale / 2.
 */
final class AffineQuantizer {

    final short minHalf;
    final short scaleHalf;
    private final float min;
    private final float scale;
    private final int levels;

    private AffineQuantizer(short minHalf, short scaleHalf, int levels) {
        this.minHalf = minHalf;
        this.scaleHalf = scaleHalf;
        this.min = Half.toFloat(minHalf);
        this.scale = Half.toFloat(scaleHalf);
        this.levels = levels;
    }

    /** Parameters for a group whose values lie in [lo, hi]. */
    static AffineQuantizer fit(float lo, float hi, int bits, String codec) {
        int levels = (1 << bits) - 1;
        if (lo < -Half.MAX_VALUE || hi > Half.MAX_VALUE) {
            throw new IllegalArgumentException(codec + " keeps ranges in fp16; a value of " + (lo < 0 ? lo : hi)
                    + " is beyond ±65504, use fp32");
        }
        short minHalf = Half.floor(lo);
        float scale = (hi - Half.toFloat(minHalf)) / levels;
        return new AffineQuantizer(minHalf, Half.ceil(scale), levels);
    }

    /** Parameters read back from a payload. */
    static AffineQuantizer of(short minHalf, short scaleHalf, int bits) {
        return new AffineQuantizer(minHalf, scaleHalf, (1 << bits) - 1);
    }

    int code(float x) {
        if (scale == 0) {
            return 0;
        }
        return Math.max(0, Math.min(levels, Math.round((x - min) / scale)));
    }

    float value(int code) {
        return min + code * scale;
    }
}
