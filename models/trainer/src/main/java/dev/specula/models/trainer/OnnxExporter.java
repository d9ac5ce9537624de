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
        float qScale = (float) (1.0 / Math.sqrt(hd));
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] data = w.get(e.getKey());
            if (e.getKey().endsWith("attn.qkv.weight")) {
                // Fold the 1/sqrt(head_dim) attention scale into the q columns (rotary is linear, so scaling before
                // or after it is the same): one node fewer per layer.
                data = data.clone();
                int width = c.qkvWidth();
                int qCols = c.heads * hd;
                for (int r = 0; r < c.hidden; r++) {
                    for (int col = 0; col < qCols; col++) data[r * width + col] *= qScale;
                }
            }
            gb.floatInit(e.getKey(), data, e.getValue());
        }
        // rotate_half as a constant matrix: (x @ R)[j] = -x[j + hd/2] for j < hd/2, x[j - hd/2] otherwise. Entries are
        // 0/+-1, so the product is exact, and one MatMul replaces Split + Neg + Concat.
        float[] rot = new float[hd * hd];
        for (int j = 0; j < hd / 2; j++) {
            rot[(j + hd / 2) * hd + j] = -1f;
            rot[j * hd + j + hd / 2] = 1f;
        }
        gb.floatInit("rope.rotate_half", rot, hd, hd);
        // Tables shaped [positions, 1, hd] so that the Gather by position_ids directly yields [B, S, 1, hd], which
        // broadcasts over heads without an Unsqueeze (every node costs microseconds at batch 1).
        gb.floatInit("rope.cos", Rope.table(ModelConfig.MAX_POSITIONS, hd, false), ModelConfig.MAX_POSITIONS, 1, hd);
        gb.floatInit("rope.sin", Rope.table(ModelConfig.MAX_POSITIONS, hd, true), ModelConfig.MAX_POSITIONS, 1, hd);

        // Embeddings and rotary tables gathered by id / position.
        String x = gb.op("Gather", "embed", "embed.weight", "input_ids");
        gb.graph.getNodeBuilder(gb.graph.getNodeCount() - 1).addAttribute(OnnxGraphBuilder.intAttr("axis", 0));
        String cosH = gb.op("Gather", "cos", "rope.cos", "position_ids");   // [B,S,1,hd]
        String sinH = gb.op("Gather", "sin", "rope.sin", "position_ids");

        // Additive attention bias [B, 1, G*S, T], shared by all layers. Query rows are ordered (group, query), so
        // the query slots (past + t) are tiled G times.
        String seqLen = gb.op("Gather", "seq_len", gb.op("Shape", "ids_shape", "input_ids"), gb.longScalar("one_idx", 1));
        String totLen = gb.op("Gather", "tot_len", gb.op("Shape", "mask_shape", "attention_mask"), gb.longScalar("one_idx", 1));
        String pastLen = gb.op("Sub", "past_len", totLen, seqLen);
        String one = gb.longScalar("one", 1);
        String qSlots = gb.op("Range", "q_slots", pastLen, totLen, one);           // [S]: past + t
        if (g > 1) qSlots = gb.op("Tile", "q_slots_g", qSlots, gb.longs("reps", g)); // [G*S]
        String kSlots = gb.op("Range", "k_slots", gb.longScalar("zero", 0), totLen, one); // [T]
        String causal = gb.op("LessOrEqual", "causal", kSlots,
                gb.op("Unsqueeze", "q_col", qSlots, gb.longs("ax", 1)));          // [G*S,T]
        String notPad = gb.op("Unsqueeze", "not_pad",
                gb.op("Equal", "mask_on", "attention_mask", gb.longScalar("one", 1)), gb.longs("ax", 1, 2)); // [B,1,1,T]
        String allowed = gb.op("And", "allowed", causal, notPad);                   // [B,1,G*S,T]
        String bias = gb.op("Where", "bias", allowed, gb.floatScalar("zero_f", 0f), gb.floatScalar("neg", GptModel.MASK_VALUE));

        String headsShape = gb.longs("heads_shape", 0, 0, c.heads + 2L * kvh, hd);
        String qkvSplit = gb.longs("qkv_split", (long) c.heads + kvh, kvh);
        String qkSplit = gb.longs("qk_split", c.heads, kvh);
        String qShape = gb.longs("q_shape", 0, 0, kvh, g, hd);
        String qFlat = gb.longs("q_flat", 0, 0, -1, hd);
        String oUnflat = gb.longs("o_unflat", 0, 0, g, -1, hd);
        String oShape = gb.longs("o_shape", 0, 0, (long) c.heads * hd);
        String sqrt2 = gb.floatScalar("sqrt2", (float) Math.sqrt(2.0));
        String oneF = gb.floatScalar("one_f", 1f);
        String halfF = gb.floatScalar("half_f", 0.5f);

        for (int i = 0; i < c.layers; i++) {
            String p = "layers." + i + ".";
            String h = layerNorm(gb, x, p + "ln1.weight", p + "ln1.bias");
            // One rotary for q and k together, applied while heads are still [B,S,heads,hd].
            String qkv = gb.op("Reshape", "qkv4", gb.op("MatMul", "qkv", h, p + "attn.qkv.weight"), headsShape);
            String qk = gb.fresh("qk"), v = gb.fresh("v");
            gb.node("Split", new String[]{qk, v}, qkv, qkvSplit).addAttribute(OnnxGraphBuilder.intAttr("axis", 2));
            qk = gb.op("Add", "rope", gb.op("Mul", "xc", qk, cosH),
                    gb.op("Mul", "rs", gb.op("MatMul", "rot", qk, "rope.rotate_half"), sinH));
            String q = gb.fresh("q"), k = gb.fresh("k");
            gb.node("Split", new String[]{q, k}, qk, qkSplit).addAttribute(OnnxGraphBuilder.intAttr("axis", 2));
            q = transpose(gb, gb.op("Reshape", "q5", q, qShape), 0, 2, 3, 1, 4);        // [B,kvh,G,S,hd]
            q = gb.op("Reshape", "q_flat", q, qFlat);                                   // [B,kvh,G*S,hd]
            k = transpose(gb, k, 0, 2, 1, 3);                                           // [B,kvh,S,hd]
            v = transpose(gb, v, 0, 2, 1, 3);
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

}
