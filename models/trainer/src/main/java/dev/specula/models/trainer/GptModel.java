package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The byte-level GPT as plain NDArray operations over a named parameter map: pre-LayerNorm blocks,
 * rotary grouped-query attention, GELU MLP, final LayerNorm, untied lm_head. Weights of linear layers are
 * stored [in, out] so that both this code and the ONNX graph apply them with a single MatMul.
 *
 * <p>Every operation is invoked on an activation, never on a parameter, so results land in the caller's
 * per-step NDManager (DJL attaches an op's result to the manager of the array it was called on).
 */
public final class GptModel implements AutoCloseable {
    static final float MASK_VALUE = -1e9f;

    public final ModelConfig cfg;
    private final NDManager manager;
    /** Insertion order is the canonical parameter order (checkpoint, optimizer, exporter). */
    public final Map<String, NDArray> params = new LinkedHashMap<>();
    private final NDArray cosTable;
    private final NDArray sinTable;

    private GptModel(ModelConfig cfg, NDManager parent) {
        this.cfg = cfg;
        this.manager = parent.newSubManager();
        int hd = cfg.headDim;
        cosTable = manager.create(Rope.table(ModelConfig.MAX_POSITIONS, hd, false), new Shape(ModelConfig.MAX_POSITIONS, hd));
        sinTable = manager.create(Rope.table(ModelConfig.MAX_POSITIONS, hd, true), new Shape(ModelConfig.MAX_POSITIONS, hd));
    }

    /** Parameter names and shapes in canonical order. */
    public static Map<String, long[]> shapes(ModelConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("embed.weight", new long[]{ModelConfig.VOCAB, c.hidden});
        for (int i = 0; i < c.layers; i++) {
            String p = "layers." + i + ".";
            s.put(p + "ln1.weight", new long[]{c.hidden});
            s.put(p + "ln1.bias", new long[]{c.hidden});
            s.put(p + "attn.qkv.weight", new long[]{c.hidden, c.qkvWidth()});
            s.put(p + "attn.out.weight", new long[]{(long) c.heads * c.headDim, c.hidden});
            s.put(p + "ln2.weight", new long[]{c.hidden});
            s.put(p + "ln2.bias", new long[]{c.hidden});
            s.put(p + "mlp.up.weight", new long[]{c.hidden, c.intermediate});
            s.put(p + "mlp.down.weight", new long[]{c.intermediate, c.hidden});
        }
        s.put("final_ln.weight", new long[]{c.hidden});
        s.put("final_ln.bias", new long[]{c.hidden});
        s.put("lm_head.weight", new long[]{c.hidden, ModelConfig.VOCAB});
        return s;
    }

    /** GPT-2 style init: N(0, 0.02), residual output projections scaled by 1/sqrt(2 * layers). */
    public static GptModel random(ModelConfig cfg, NDManager parent, long seed) {
        GptModel m = new GptModel(cfg, parent);
        Random rnd = new Random(seed);
        double residualStd = 0.02 / Math.sqrt(2.0 * cfg.layers);
        for (Map.Entry<String, long[]> e : shapes(cfg).entrySet()) {
            String name = e.getKey();
            int n = (int) new Shape(e.getValue()).size();
            float[] v = new float[n];
            if (name.endsWith("ln1.weight") || name.endsWith("ln2.weight") || name.equals("final_ln.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (!name.endsWith(".bias")) {
                double std = name.endsWith("attn.out.weight") || name.endsWith("mlp.down.weight") ? residualStd : 0.02;
                for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * std);
            }
            m.params.put(name, m.manager.create(v, new Shape(e.getValue())));
        }
        return m;
    }

    public long parameterCount() {
        long n = 0;
        for (NDArray a : params.values()) n += a.size();
        return n;
    }

    public void setTrainable(boolean trainable) {
        for (NDArray a : params.values()) a.setRequiresGradient(trainable);
    }

    /**
     * Full-sequence causal forward. ids and positions are int64 [B, T]; returns logits [B, T, V] attached to
     * ids' manager.
     */
    public NDArray forward(NDArray ids, NDArray positions) {
        NDManager m = ids.getManager();
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        int hd = cfg.headDim;
        int kvh = cfg.kvHeads;
        int g = cfg.groups();
        float scale = (float) (1.0 / Math.sqrt(hd));

        NDArray x = Embedding.embedding(ids, params.get("embed.weight"), SparseFormat.DENSE).singletonOrThrow();
        NDArray cos = Embedding.embedding(positions, cosTable, SparseFormat.DENSE).singletonOrThrow(); // [B,T,hd]
        NDArray sin = Embedding.embedding(positions, sinTable, SparseFormat.DENSE).singletonOrThrow();
        NDArray cosK = cos.expandDims(1);                       // [B,1,T,hd]
        NDArray sinK = sin.expandDims(1);
        NDArray cosQ = cosK.expandDims(1);                      // [B,1,1,T,hd]
        NDArray sinQ = sinK.expandDims(1);

        // Key j visible to query i iff j <= i; masked scores get a large finite negative, as in the ONNX graph.
        NDArray idx = m.arange(t).toType(DataType.INT64, false);
        NDArray allowed = idx.reshape(1, t).lte(idx.reshape(t, 1)); // [T(query), T(key)]
        // (allowed - 1) * 1e9: exactly 0 where visible, exactly -1e9 where masked.
        NDArray bias = allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASK_VALUE);
        bias = bias.tile(new long[]{g, 1}).reshape(1, 1, (long) g * t, t); // rows ordered (group, query)

        Shape lnShape = new Shape(cfg.hidden);
        for (int i = 0; i < cfg.layers; i++) {
            String p = "layers." + i + ".";
            NDArray h = LayerNorm.layerNorm(x, lnShape, params.get(p + "ln1.weight"), params.get(p + "ln1.bias"),
                    ModelConfig.LAYER_NORM_EPS).singletonOrThrow();
            NDArray qkv = h.matMul(params.get(p + "attn.qkv.weight"));
            NDList parts = qkv.split(new long[]{(long) cfg.heads * hd, (long) (cfg.heads + kvh) * hd}, 2);
            NDArray q = parts.get(0).reshape(b, t, kvh, g, hd).transpose(0, 2, 3, 1, 4); // [B,kvh,G,T,hd]
            NDArray k = parts.get(1).reshape(b, t, kvh, hd).transpose(0, 2, 1, 3);       // [B,kvh,T,hd]
            NDArray v = parts.get(2).reshape(b, t, kvh, hd).transpose(0, 2, 1, 3);
            // Scale q (the smaller tensor) rather than the scores; the ONNX graph does the same.
            q = rotate(q, cosQ, sinQ).mul(scale).reshape(b, kvh, (long) g * t, hd);
            k = rotate(k, cosK, sinK);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(bias);
            NDArray attn = scores.softmax(-1).matMul(v)                                   // [B,kvh,G*T,hd]
                    .reshape(b, kvh, g, t, hd).transpose(0, 3, 1, 2, 4).reshape(b, t, (long) cfg.heads * hd);
            x = x.add(attn.matMul(params.get(p + "attn.out.weight")));
            h = LayerNorm.layerNorm(x, lnShape, params.get(p + "ln2.weight"), params.get(p + "ln2.bias"),
                    ModelConfig.LAYER_NORM_EPS).singletonOrThrow();
            NDArray up = Activation.gelu(h.matMul(params.get(p + "mlp.up.weight")));
            x = x.add(up.matMul(params.get(p + "mlp.down.weight")));
        }
        x = LayerNorm.layerNorm(x, lnShape, params.get("final_ln.weight"), params.get("final_ln.bias"),
                ModelConfig.LAYER_NORM_EPS).singletonOrThrow();
        return x.matMul(params.get("lm_head.weight"));
    }

    /** x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x2, x1). */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, x.getShape().dimension() - 1);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), x.getShape().dimension() - 1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** Positions 0..T-1 for every row. */
    public static NDArray positions(NDManager m, int batch, int t) {
        long[] p = new long[batch * t];
        for (int i = 0; i < p.length; i++) p[i] = i % t;
        return m.create(p, new Shape(batch, t));
    }

    public void save(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
            out.writeInt(0x5350434b); // "SPCK"
            out.writeInt(params.size());
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                out.writeUTF(e.getKey());
                long[] shape = e.getValue().getShape().getShape();
                out.writeInt(shape.length);
                for (long d : shape) out.writeLong(d);
                for (float f : e.getValue().toFloatArray()) out.writeFloat(f);
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static GptModel load(ModelConfig cfg, NDManager parent, Path file) throws IOException {
        GptModel m = new GptModel(cfg, parent);
        Map<String, long[]> expected = shapes(cfg);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            if (in.readInt() != 0x5350434b) throw new IOException("not a checkpoint: " + file);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) shape[d] = in.readLong();
                if (!expected.containsKey(name) || !java.util.Arrays.equals(expected.get(name), shape)) {
                    throw new IOException("checkpoint " + file + " does not match " + cfg + " at " + name);
                }
                float[] v = new float[(int) new Shape(shape).size()];
                for (int j = 0; j < v.length; j++) v[j] = in.readFloat();
                m.params.put(name, m.manager.create(v, new Shape(shape)));
            }
        }
        if (!m.params.keySet().equals(expected.keySet())) throw new IOException("checkpoint incomplete: " + file);
        // Keep canonical order even if a checkpoint was written in another order.
        Map<String, NDArray> ordered = new LinkedHashMap<>();
        for (String k : expected.keySet()) ordered.put(k, m.params.get(k));
        m.params.clear();
        m.params.putAll(ordered);
        return m;
    }

    /** Host copies of the weights, for the ONNX exporter. */
    public Map<String, float[]> hostWeights() {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) w.put(e.getKey(), e.getValue().toFloatArray());
        return w;
    }

    @Override
    public void close() {
        manager.close();
    }
}
