package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

/** Random contiguous windows of a token stream: inputs are tokens [s, s+T), labels tokens [s+1, s+T+1). */
final class Batches {
    private Batches() {
    }

    static long[][] sample(short[] stream, int batch, int seq, Random rnd) {
        long[] ids = new long[batch * seq];
        long[] labels = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            int start = rnd.nextInt(stream.length - seq - 1);
            for (int i = 0; i < seq; i++) {
                ids[b * seq + i] = stream[start + i];
                labels[b * seq + i] = stream[start + i + 1];
            }
        }
        return new long[][]{ids, labels};
    }

    static NDArray tensor(NDManager m, long[] data, int batch, int seq) {
        return m.create(data, new Shape(batch, seq));
    }
}
