package dev.specula.models.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Batch-1 ONNX Runtime driver for an exported model, the way a serving runtime uses it: feed new tokens with
 * the previous step's present.* as past_key_values.*. Used by the parity check and the probes.
 */
final class OrtDecoder implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final ModelConfig cfg;
    /** present.* of the last committed step, or null for an empty past. */
    private OrtSession.Result state;
    private int pastLen;

    OrtDecoder(Path modelFile, ModelConfig cfg, int threads) throws OrtException {
        this.cfg = cfg;
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (System.getenv("SPECULA_ORT_PROFILE") != null) o.enableProfiling(System.getenv("SPECULA_ORT_PROFILE"));
        this.session = env.createSession(modelFile.toString(), o);
    }

    int pastLength() {
        return pastLen;
    }

    /**
     * Runs tokens at positions pastLen.. and returns logits [S][V]. If commit, the new KV becomes the past;
     * otherwise the state is left untouched (lets a probe time the same step repeatedly).
     */
    float[][] step(long[] ids, boolean commit) throws OrtException {
        int s = ids.length;
        long[] pos = new long[s];
        for (int i = 0; i < s; i++) pos[i] = pastLen + i;
        long[] mask = new long[pastLen + s];
        java.util.Arrays.fill(mask, 1L);
        Map<String, OnnxTensor> in = new HashMap<>();
        java.util.List<OnnxTensor> created = new java.util.ArrayList<>();
        try {
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[]{1, s}));
            in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[]{1, mask.length}));
            in.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[]{1, s}));
            OnnxTensor empty = null;
            for (int i = 0; i < cfg.layers; i++) {
                if (state == null) {
                    if (empty == null) {
                        empty = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[]{1, cfg.kvHeads, 0, cfg.headDim});
                        created.add(empty);
                    }
                    in.put("past_key_values." + i + ".key", empty);
                    in.put("past_key_values." + i + ".value", empty);
                } else {
                    in.put("past_key_values." + i + ".key", (OnnxTensor) state.get("present." + i + ".key").get());
                    in.put("past_key_values." + i + ".value", (OnnxTensor) state.get("present." + i + ".value").get());
                }
            }
            created.add(in.get("input_ids"));
            created.add(in.get("attention_mask"));
            created.add(in.get("position_ids"));
            OrtSession.Result r = session.run(in);
            float[][] logits = ((float[][][]) r.get("logits").get().getValue())[0];
            if (commit) {
                if (state != null) state.close();
                state = r;
                pastLen += s;
            } else {
                r.close();
            }
            return logits;
        } finally {
            // Only what this call created; past tensors belong to the (possibly just replaced) state.
            for (OnnxTensor t : created) t.close();
        }
    }

    void reset() {
        if (state != null) state.close();
        state = null;
        pastLen = 0;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    @Override
    public void close() throws OrtException {
        reset();
        session.close();
    }
}
