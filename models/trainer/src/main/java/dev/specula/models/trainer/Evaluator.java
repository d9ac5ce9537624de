package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Random;

/** Held-out cross-entropy, on windows at fixed (seeded) offsets so that numbers are comparable across runs. */
final class Evaluator {
    private Evaluator() {
    }

    static double heldOutLoss(NDManager manager, GptModel model, Corpus corpus, int seq, int windows, int batch) {
        Random rnd = new Random(12345);
        double sum = 0;
        int n = 0;
        for (int w = 0; w < windows; w += batch) {
            int b = Math.min(batch, windows - w);
            try (NDManager sub = manager.newSubManager()) {
                long[][] data = Batches.sample(corpus.heldOut, b, seq, rnd);
                NDArray ids = Batches.tensor(sub, data[0], b, seq);
                NDArray labels = Batches.tensor(sub, data[1], b, seq);
                NDArray logits = model.forward(ids, GptModel.positions(sub, b, seq));
                sum += Objective.crossEntropy(logits, labels).getFloat() * b;
                n += b;
            }
        }
        return sum / n;
    }

    /**
     * Mean loss by position bucket over long held-out windows: how quality holds beyond the trained length.
     * Returns {loss at positions [0, 256), loss at [256, 1024), loss at [1024, len)}.
     */
    static double[] lossByPosition(NDManager manager, GptModel model, Corpus corpus, int len, int windows) {
        Random rnd = new Random(777);
        double[] sum = new double[3];
        long[] cnt = new long[3];
        for (int w = 0; w < windows; w++) {
            try (NDManager sub = manager.newSubManager()) {
                long[][] data = Batches.sample(corpus.heldOut, 1, len, rnd);
                NDArray ids = Batches.tensor(sub, data[0], 1, len);
                NDArray labels = Batches.tensor(sub, data[1], 1, len);
                NDArray logits = model.forward(ids, GptModel.positions(sub, 1, len));
                float[] nll = logits.logSoftmax(-1).mul(labels.oneHot(ModelConfig.VOCAB)).sum(new int[]{-1}).neg().toFloatArray();
                for (int i = 0; i < len; i++) {
                    int bucket = i < 256 ? 0 : i < 1024 ? 1 : 2;
                    sum[bucket] += nll[i];
                    cnt[bucket]++;
                }
            }
        }
        return new double[]{sum[0] / cnt[0], sum[1] / Math.max(1, cnt[1]), sum[2] / Math.max(1, cnt[2])};
    }
}
