package dev.specula.models.trainer;

import ai.onnx.proto.OnnxMl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the model as one opset-17 ONNX graph in the Optimum "text-generation-with-past" layout.
 *
 * <p>Attention visibility: key slot j (index into concat(past, new)) is visible to new query t iff
 * attention_mask[b, j] == 1 and j <= past + t. Masked scores get -1e9 (finite, so fully padded rows stay
 * finite). Rotary angles come from position_ids, never from slot indices, so callers may pad either side.
 * GQA is done by folding the query groups into the row dimension ([B, kvh, G*S, hd]) so the KV cache is
 * used as is, never repeated.
 */
public final class OnnxExporter {
    static final String B = "batch_size";
    static final String S = "sequence_length";
    static final String P = "past_sequence_length";
    static final String T = "total_sequence_length";

    private OnnxExporter() {
    }

    public static void export(ModelConfig c, Map<String, float[]> w, Path file) throws IOException {
        OnnxGraphBuilder gb = new OnnxGraphBuilder();
        OnnxMl.GraphProto.Builder graph = gb.graph.setName("specula_gpt");
        OnnxMl.TensorProto.DataType i64 = OnnxMl.TensorProto.DataType.INT64;
        OnnxMl.TensorProto.DataType f32 = OnnxMl.TensorProto.DataType.FLOAT;
        int hd = c.headDim;
        int kvh = c.kvHeads;
        int g = c.groups();

        graph.addInput(OnnxGraphBuilder.valueInfo("input_ids", i64, B, S));
        graph.addInput(OnnxGraphBuilder.valueInfo("attention_mask", i64, B, T));
        graph.addInput(OnnxGraphBuilder.valueInfo("position_ids", i64, B, S));
        for (int i = 0; i < c.layers; i++) {
            graph.addInput(OnnxGraphBuilder.valueInfo("past_key_values." + i + ".key", f32, B, (long) kvh, P, (long) hd));
            graph.addInput(OnnxGraphBuilder.valueInfo("past_key_values." + i + ".value", f32, B, (long) kvh, P, (long) hd));
        }
        graph.addOutput(OnnxGraphBuilder.valueInfo("logits", f32, B, S, (long) ModelConfig.VOCAB));
        for (int i = 0; i < c.layers; i++) {
            graph.addOutput(OnnxGraphBuilder.valueInfo("present." + i + ".key", f32, B, (long) kvh, T, (long) hd));
            graph.addOutput(OnnxGraphBuilder.valueInfo("present." + i + ".value", f32, B, (long) kvh, T, (long) hd));
        }

        Map<String, long[]> shapes = GptModel.shapes(c);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            gb.floatInit(e.getKey(), w.get(e.getKey()), e.getValue());
        }
        gb.floatInit("rope.cos", Rope.table(ModelConfig.MAX_POSITIONS, hd, false), ModelConfig.MAX_POSITIONS, hd);
        gb.floatInit("rope.sin", Rope.table(ModelConfig.MAX_POSITIONS, hd, true), ModelConfig.MAX_POSITIONS, hd);

        // Embeddings and rotary tables gathered by id / position.
        String x = gb.op("Gather", "embed", "embed.weight", "input_ids");
        gb.graph.getNodeBuilder(gb.graph.getNodeCount() - 1).addAttribute(OnnxGraphBuilder.intAttr("axis", 0));
        String cos = gb.op("Gather", "cos", "rope.cos", "position_ids");
        String sin = gb.op("Gather", "sin", "rope.sin", "position_ids");
        String cosK = gb.op("Unsqueeze", "cos_k", cos, gb.longs("ax", 1));      // [B,1,S,hd]
        String sinK = gb.op("Unsqueeze", "sin_k", sin, gb.longs("ax", 1));
        String cosQ = gb.op("Unsqueeze", "cos_q", cos, gb.longs("ax", 1, 2));   // [B,1,1,S,hd]
        String sinQ = gb.op("Unsqueeze", "sin_q", sin, gb.longs("ax", 1, 2));

        // Additive attention bias [B, 1, G*S, T], shared by all layers.
        String seqLen = gb.op("Gather", "seq_len", gb.op("Shape", "ids_shape", "input_ids"), gb.longScalar("one_idx", 1));
        String totLen = gb.op("Gather", "tot_len", gb.op("Shape", "mask_shape", "attention_mask"), gb.longScalar("one_idx", 1));
        String pastLen = gb.op("Sub", "past_len", totLen, seqLen);
        String one = gb.longScalar("one", 1);
        String qSlots = gb.op("Range", "q_slots", pastLen, totLen, one);           // [S]: past + t
        String kSlots = gb.op("Range", "k_slots", gb.longScalar("zero", 0), totLen, one); // [T]
        String causal = gb.op("LessOrEqual", "causal",
                gb.op("Unsqueeze", "k_row", kSlots, gb.longs("ax", 0)),
                gb.op("Unsqueeze", "q_col", qSlots, gb.longs("ax", 1)));          // [S,T]
        String notPad = gb.op("Unsqueeze", "not_pad",
                gb.op("Equal", "mask_on", "attention_mask", gb.longScalar("one", 1)), gb.longs("ax", 1)); // [B,1,T]
        String allowed = gb.op("And", "allowed", causal, notPad);                   // [B,S,T]
        String bias = gb.op("Where", "bias", allowed, gb.floatScalar("zero_f", 0f), gb.floatScalar("neg", GptModel.MASK_VALUE));
        if (g > 1) {
            String[] copies = new String[g];
            java.util.Arrays.fill(copies, bias);
            bias = gb.op("Concat", "bias_g", copies);                                   // rows ordered (group, query)
            gb.graph.getNodeBuilder(gb.graph.getNodeCount() - 1).addAttribute(OnnxGraphBuilder.intAttr("axis", 1));
        }
        bias = gb.op("Unsqueeze", "bias4", bias, gb.longs("ax", 1));                  // [B,1,G*S,T]

        String scale = gb.floatScalar("scale", (float) (1.0 / Math.sqrt(hd)));
        String qkvSplit = gb.longs("qkv_split", (long) c.heads * hd, (long) kvh * hd, (long) kvh * hd);
        String halfSplit = gb.longs("half_split", hd / 2, hd / 2);
        String qShape = gb.longs("q_shape", 0, 0, kvh, g, hd);
        String kvShape = gb.longs("kv_shape", 0, 0, kvh, hd);
        String qFlat = gb.longs("q_flat", 0, 0, -1, hd);
        String oUnflat = gb.longs("o_unflat", 0, 0, g, -1, hd);
        String oShape = gb.longs("o_shape", 0, 0, (long) c.heads * hd);
        String sqrt2 = gb.floatScalar("sqrt2", (float) Math.sqrt(2.0));
        String oneF = gb.floatScalar("one_f", 1f);
        String halfF = gb.floatScalar("half_f", 0.5f);

        for (int i = 0; i < c.layers; i++) {
            String p = "layers." + i + ".";
            String h = layerNorm(gb, x, p + "ln1.weight", p + "ln1.bias");
            String qkv = gb.op("MatMul", "qkv", h, p + "attn.qkv.weight");
            String q = gb.fresh("q"), k = gb.fresh("k"), v = gb.fresh("v");
            gb.node("Split", new String[]{q, k, v}, qkv, qkvSplit).addAttribute(OnnxGraphBuilder.intAttr("axis", 2));
            q = transpose(gb, gb.op("Reshape", "q5", q, qShape), 0, 2, 3, 1, 4);        // [B,kvh,G,S,hd]
            k = transpose(gb, gb.op("Reshape", "k4", k, kvShape), 0, 2, 1, 3);          // [B,kvh,S,hd]
            v = transpose(gb, gb.op("Reshape", "v4", v, kvShape), 0, 2, 1, 3);
            q = gb.op("Mul", "q_scaled", rotate(gb, q, cosQ, sinQ, halfSplit, 4), scale);
            q = gb.op("Reshape", "q_flat", q, qFlat);                                   // [B,kvh,G*S,hd]
            k = rotate(gb, k, cosK, sinK, halfSplit, 3);
            String kAll = "present." + i + ".key";
            String vAll = "present." + i + ".value";
            gb.node("Concat", new String[]{kAll}, "past_key_values." + i + ".key", k).addAttribute(OnnxGraphBuilder.intAttr("axis", 2));
            gb.node("Concat", new String[]{vAll}, "past_key_values." + i + ".value", v).addAttribute(OnnxGraphBuilder.intAttr("axis", 2));
            String scores = gb.op("Add", "scores", gb.op("MatMul", "qk", q, transpose(gb, kAll, 0, 1, 3, 2)), bias);
            String probs = gb.op("Softmax", "probs", scores);
            gb.graph.getNodeBuilder(gb.graph.getNodeCount() - 1).addAttribute(OnnxGraphBuilder.intAttr("axis", -1));
            String o = gb.op("MatMul", "pv", probs, vAll);                                // [B,kvh,G*S,hd]
            o = transpose(gb, gb.op("Reshape", "o5", o, oUnflat), 0, 3, 1, 2, 4);        // [B,S,kvh,G,hd]
            o = gb.op("Reshape", "o3", o, oShape);
            x = gb.op("Add", "resid_attn", x, gb.op("MatMul", "attn_out", o, p + "attn.out.weight"));
            h = layerNorm(gb, x, p + "ln2.weight", p + "ln2.bias");
            String up = gb.op("MatMul", "up", h, p + "mlp.up.weight");
            // Exact GELU written in the pattern ONNX Runtime fuses into one Gelu kernel.
            String erf = gb.op("Erf", "erf", gb.op("Div", "up_div", up, sqrt2));
            String gelu = gb.op("Mul", "gelu", gb.op("Mul", "gelu_x", up, gb.op("Add", "erf_1", erf, oneF)), halfF);
            x = gb.op("Add", "resid_mlp", x, gb.op("MatMul", "down", gelu, p + "mlp.down.weight"));
        }
        String fin = layerNorm(gb, x, "final_ln.weight", "final_ln.bias");
        gb.node("MatMul", new String[]{"logits"}, fin, "lm_head.weight");

        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("specula-model-trainer")
                .setProducerVersion("0.1.0")
                .setModelVersion(1)
                .setDocString("Specula byte-level GPT " + c)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, model.toByteArray());
    }

    private static String layerNorm(OnnxGraphBuilder gb, String x, String w, String b) {
        String out = gb.fresh("ln");
        gb.node("LayerNormalization", new String[]{out}, x, w, b)
                .addAttribute(OnnxGraphBuilder.intAttr("axis", -1))
                .addAttribute(OnnxGraphBuilder.floatAttr("epsilon", ModelConfig.LAYER_NORM_EPS));
        return out;
    }

    private static String transpose(OnnxGraphBuilder gb, String x, long... perm) {
        String out = gb.fresh("tr");
        gb.node("Transpose", new String[]{out}, x).addAttribute(OnnxGraphBuilder.intsAttr("perm", perm));
        return out;
    }

    /** x * cos + concat(-x2, x1) * sin over the last axis. */
    private static String rotate(OnnxGraphBuilder gb, String x, String cos, String sin, String halfSplit, int lastAxis) {
        String x1 = gb.fresh("x1"), x2 = gb.fresh("x2");
        gb.node("Split", new String[]{x1, x2}, x, halfSplit).addAttribute(OnnxGraphBuilder.intAttr("axis", lastAxis));
        String rot = gb.fresh("rot");
        gb.node("Concat", new String[]{rot}, gb.op("Neg", "neg", x2), x1).addAttribute(OnnxGraphBuilder.intAttr("axis", lastAxis));
        return gb.op("Add", "rope", gb.op("Mul", "xc", x, cos), gb.op("Mul", "rs", rot, sin));
    }
}
