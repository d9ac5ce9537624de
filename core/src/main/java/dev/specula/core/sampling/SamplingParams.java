package dev.specula.core.sampling;

/**
 * How a request turns logits into a token distribution. Applied identically by the drafter (to draw drafts)
 * and by the verifier (to build the target distribution), which is what keeps speculation lossless.
 *
 * @param temperature 0 means greedy (argmax); otherwise logits are divided by it before softmax
 * @param topK        keep the k most likely tokens; 0 disables
 * @param topP        keep the smallest set of most likely tokens whose mass reaches topP; 1 disables
 * @param seed        request seed for the counter-based generator
 */
public record SamplingParams(double temperature, int topK, double topP, long seed) {

    public static final SamplingParams GREEDY = new SamplingParams(0.0, 0, 1.0, 0L);

    public SamplingParams {
        if (!(temperature >= 0.0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0.0 && topP <= 1.0)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
    }

    public boolean greedy() {
        return temperature == 0.0;
    }
}
