package dev.specula.models.trainer;

/**
 * Rotary position tables (rotate-half convention). Both the trainer and the ONNX graph index these same
 * float tables by position id, so they agree bit for bit on the angles.
 */
final class Rope {
    private Rope() {
    }

    /** [positions][headDim]: cos of position * theta^(-2i/headDim), duplicated across the two halves. */
    static float[] table(int positions, int headDim, boolean sin) {
        int half = headDim / 2;
        float[] t = new float[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double invFreq = Math.pow(ModelConfig.ROPE_THETA, -2.0 * i / headDim);
                double a = p * invFreq;
                float v = (float) (sin ? Math.sin(a) : Math.cos(a));
                t[p * headDim + i] = v;
                t[p * headDim + half + i] = v;
            }
        }
        return t;
    }
}
