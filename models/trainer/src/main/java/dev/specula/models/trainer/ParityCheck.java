package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Proves the exported graph computes what was trained: ONNX Runtime logits vs the DJL forward for the same
 * tokens, (a) whole sequence with an empty past, (b) prefix then suffix through the KV cache, (c) one token
 * at a time, (d) batch 2 with a left-padded row (mask + position_ids). Fails above the tolerance.
 */
final class ParityCheck {
    static final double TOLERANCE = 1e-4;

    private ParityCheck() {
    }

    static double run(NDManager manager, GptModel model, Path onnx, long[] tokens) throws Exception {
        int n = tokens.length;
        float[][] ref;
        try (NDManager sub = manager.newSubManager()) {
            NDArray logits = model.forward(sub.create(tokens, new Shape(1, n)), GptModel.positions(sub, 1, n));
            ref = reshape(logits.toFloatArray(), n);
        }
        double worst = 0;
        try (OrtDecoder dec = new OrtDecoder(onnx, model.cfg, 2)) {
            double full = maxDiff(dec.step(tokens, false), ref, 0);
            int cut = n * 2 / 3;
            dec.step(java.util.Arrays.copyOfRange(tokens, 0, cut), true);
            double suffix = maxDiff(dec.step(java.util.Arrays.copyOfRange(tokens, cut, n), false), ref, cut);
            double single = 0;
            for (int i = cut; i < Math.min(n, cut + 4); i++) {
                single = Math.max(single, maxDiff(dec.step(new long[]{tokens[i]}, true), ref, i));
            }
            double padded = paddedBatch(onnx, model.cfg, tokens, ref);
            System.out.printf(java.util.Locale.ROOT,
                    "parity %s: full %.2e, prefix+suffix %.2e, token-by-token %.2e, left-padded batch %.2e%n",
                    model.cfg.name, full, suffix, single, padded);
            worst = Math.max(Math.max(full, suffix), Math.max(single, padded));
        }
        if (!(worst <= TOLERANCE)) {
            throw new IllegalStateException("ONNX/DJL parity failed for " + model.cfg.name + ": max abs diff " + worst);
        }
        return worst;
    }

    /** Row 0 = tokens left-padded by 5 (mask 0, position ids start at 0 after the pad); row 1 = same tokens unpadded plus 5 more. */
    private static double paddedBatch(Path onnx, ModelConfig cfg, long[] tokens, float[][] ref) throws Exception {
        int n = tokens.length;
        int pad = 5;
        int s = n + pad;
        long[] ids = new long[2 * s];
        long[] mask = new long[2 * s];
        long[] pos = new long[2 * s];
        Random rnd = new Random(3);
        for (int i = 0; i < s; i++) {
            boolean isPad = i < pad;
            ids[i] = isPad ? ByteTokenizerFiles.PAD : tokens[i - pad];
            mask[i] = isPad ? 0 : 1;
            pos[i] = isPad ? 0 : i - pad;
            ids[s + i] = i < n ? tokens[i] : rnd.nextInt(256);
            mask[s + i] = 1;
            pos[s + i] = i;
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[]{2, s}));
            in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[]{2, s}));
            in.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[]{2, s}));
            OnnxTensor empty = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[]{2, cfg.kvHeads, 0, cfg.headDim});
            for (int i = 0; i < cfg.layers; i++) {
                in.put("past_key_values." + i + ".key", empty);
                in.put("past_key_values." + i + ".value", empty);
            }
            try (OrtSession.Result r = session.run(in)) {
                float[][][] logits = (float[][][]) r.get("logits").get().getValue();
                double d = 0;
                for (int i = 0; i < n; i++) {
                    for (int v = 0; v < ModelConfig.VOCAB; v++) {
                        d = Math.max(d, Math.abs(logits[0][pad + i][v] - ref[i][v]));
                        d = Math.max(d, Math.abs(logits[1][i][v] - ref[i][v]));
                    }
                }
                for (int i = 0; i < pad; i++) {
                    for (int v = 0; v < ModelConfig.VOCAB; v++) {
                        if (!Float.isFinite(logits[0][i][v])) throw new IllegalStateException("padded row not finite");
                    }
                }
                return d;
            } finally {
                for (OnnxTensor t : new java.util.HashSet<>(in.values())) t.close();
            }
        }
    }

    private static float[][] reshape(float[] flat, int n) {
        float[][] out = new float[n][ModelConfig.VOCAB];
        for (int i = 0; i < n; i++) System.arraycopy(flat, i * ModelConfig.VOCAB, out[i], 0, ModelConfig.VOCAB);
        return out;
    }

    private static double maxDiff(float[][] got, float[][] ref, int offset) {
        double d = 0;
        for (int i = 0; i < got.length; i++) {
            for (int v = 0; v < ModelConfig.VOCAB; v++) {
                d = Math.max(d, Math.abs(got[i][v] - ref[offset + i][v]));
            }
        }
        return d;
    }
}
