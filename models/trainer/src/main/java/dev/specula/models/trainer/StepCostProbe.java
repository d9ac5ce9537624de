package dev.specula.models.trainer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Times ONNX Runtime CPU forwards (2 intra-op threads) over 1 and over k new tokens on the same session
 * state (a fixed past), the quantity that decides whether speculation can pay on this hardware.
 */
final class StepCostProbe {
    private StepCostProbe() {
    }

    /** Returns median milliseconds for {1 new token, k new tokens}. */
    static double[] measure(Path onnx, ModelConfig cfg, int past, int k, int reps) throws Exception {
        return measure(onnx, cfg, past, k, reps, 2);
    }

    static double[] measure(Path onnx, ModelConfig cfg, int past, int k, int reps, int threads) throws Exception {
        Random rnd = new Random(11);
        try (OrtDecoder dec = new OrtDecoder(onnx, cfg, threads)) {
            long[] prefix = new long[past];
            for (int i = 0; i < past; i++) prefix[i] = 32 + rnd.nextInt(90);
            dec.step(prefix, true);
            long[] one = {65};
            long[] many = new long[k];
            Arrays.fill(many, 66);
            for (int i = 0; i < 30; i++) {
                dec.step(one, false);
                dec.step(many, false);
            }
            double[] t1 = new double[reps];
            double[] tk = new double[reps];
            // Interleave so that CPU contention from other work hits both sides alike.
            for (int i = 0; i < reps; i++) {
                long a = System.nanoTime();
                dec.step(one, false);
                long b = System.nanoTime();
                dec.step(many, false);
                long c = System.nanoTime();
                t1[i] = (b - a) / 1e6;
                tk[i] = (c - b) / 1e6;
            }
            Arrays.sort(t1);
            Arrays.sort(tk);
            return new double[]{t1[reps / 2], tk[reps / 2]};
        }
    }

    /**
     * Median 1-token step of drafter and verifier, timed alternately in one process so that load from other work
     * on the machine hits both alike; returns {verifier ms, drafter ms}.
     */
    static double[] pair(Path verifier, ModelConfig vcfg, Path drafter, ModelConfig dcfg, int past, int reps) throws Exception {
        Random rnd = new Random(13);
        try (OrtDecoder v = new OrtDecoder(verifier, vcfg, 2); OrtDecoder d = new OrtDecoder(drafter, dcfg, 2)) {
            long[] prefix = new long[past];
            for (int i = 0; i < past; i++) prefix[i] = 32 + rnd.nextInt(90);
            v.step(prefix, true);
            d.step(prefix, true);
            long[] one = {65};
            for (int i = 0; i < 30; i++) {
                v.step(one, false);
                d.step(one, false);
            }
            double[] tv = new double[reps];
            double[] td = new double[reps];
            for (int i = 0; i < reps; i++) {
                long a = System.nanoTime();
                v.step(one, false);
                long b = System.nanoTime();
                d.step(one, false);
                long c = System.nanoTime();
                tv[i] = (b - a) / 1e6;
                td[i] = (c - b) / 1e6;
            }
            Arrays.sort(tv);
            Arrays.sort(td);
            return new double[]{tv[reps / 2], td[reps / 2]};
        }
    }
}
