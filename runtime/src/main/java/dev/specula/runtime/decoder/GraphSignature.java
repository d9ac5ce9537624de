package dev.specula.runtime.decoder;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.model.ModelLoadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What an ONNX decoder graph looks like, discovered from the session's metadata <b>by name</b> (never by
 * position): the KV geometry comes from {@code past_key_values.0.key} [B, H, P, D] (dims 1 and 3), the layer
 * count from how many {@code past_key_values.i.key} inputs there are, and all three are cross-checked against
 * {@code config.json}. GQA models have {@code kvHeads < num_attention_heads}; nothing here assumes otherwise.
 *
 * @param layers            decoder layers (one key and one value cache each)
 * @param kvHeads           KV heads per layer
 * @param headDim           values per head
 * @param vocabSize         logits width
 * @param kvType            past/present element type
 * @param logitsType        logits element type
 * @param hasPositionIds    the graph takes {@code position_ids} (fed whenever present)
 * @param hasUseCacheBranch a legacy merged graph with {@code use_cache_branch} (fed false on an empty past)
 */
public record GraphSignature(int layers, int kvHeads, int headDim, int vocabSize, KvDType kvType, KvDType logitsType,
                             boolean hasPositionIds, boolean hasUseCacheBranch) {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String USE_CACHE_BRANCH = "use_cache_branch";
    public static final String LOGITS = "logits";

    public static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    public static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    public static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    public static String presentValue(int layer) {
        return "present." + layer + ".value";
    }

    /** Bytes of KV per token for all layers (keys and values). */
    public long kvBytesPerToken() {
        return 2L * layers * kvHeads * headDim * kvType.bytes;
    }

    static GraphSignature discover(OrtSession session, ModelConfig config, ModelFolder folder) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        List<String> missing = new ArrayList<>();
        for (String name : new String[] {INPUT_IDS, ATTENTION_MASK, pastKey(0), pastValue(0)}) {
            if (!inputs.containsKey(name)) {
                missing.add("input " + name);
            }
        }
        for (String name : new String[] {LOGITS, presentKey(0), presentValue(0)}) {
            if (!outputs.containsKey(name)) {
                missing.add("output " + name);
            }
        }
        if (!missing.isEmpty()) {
            throw new ModelLoadException(folder.root(), ModelFolder.MODEL + " is not an Optimum "
                    + "text-generation-with-past decoder: missing " + String.join(", ", missing) + "; the graph has inputs "
                    + new TreeSet<>(inputs.keySet()) + " and outputs " + new TreeSet<>(outputs.keySet()));
        }
        int layers = 0;
        while (inputs.containsKey(pastKey(layers))) {
            layers++;
        }
        for (int layer = 0; layer < layers; layer++) {
            for (String name : new String[] {pastValue(layer)}) {
                requireName(inputs.containsKey(name), "input " + name, folder);
            }
            for (String name : new String[] {presentKey(layer), presentValue(layer)}) {
                requireName(outputs.containsKey(name), "output " + name, folder);
            }
        }
        TensorInfo past = tensor(inputs.get(pastKey(0)), pastKey(0), folder);
        long[] shape = past.getShape();
        if (shape.length != 4) {
            throw new ModelLoadException(folder.root(), pastKey(0) + " has rank " + shape.length
                    + ", expected 4 [batch, kv_heads, past, head_dim]");
        }
        // Exports keep kv_heads and head_dim static; fall back to config.json only if a graph left them symbolic.
        int kvHeads = shape[1] > 0 ? (int) shape[1] : config.numKeyValueHeads();
        int headDim = shape[3] > 0 ? (int) shape[3] : config.headDim();
        TensorInfo logits = tensor(outputs.get(LOGITS), LOGITS, folder);
        long[] logitsShape = logits.getShape();
        int vocab = logitsShape.length == 3 && logitsShape[2] > 0 ? (int) logitsShape[2] : config.vocabSize();
        crossCheck("num_hidden_layers", config.numHiddenLayers(), "past_key_values.* inputs", layers, folder);
        crossCheck("num_key_value_heads", config.numKeyValueHeads(), pastKey(0) + " dim 1", kvHeads, folder);
        crossCheck("head_dim", config.headDim(), pastKey(0) + " dim 3", headDim, folder);
        crossCheck("vocab_size", config.vocabSize(), "logits dim 2", vocab, folder);
        return new GraphSignature(layers, kvHeads, headDim, vocab, dtype(past, pastKey(0), folder),
                dtype(logits, LOGITS, folder), inputs.containsKey(POSITION_IDS), inputs.containsKey(USE_CACHE_BRANCH));
    }

    private static void requireName(boolean present, String what, ModelFolder folder) {
        if (!present) {
            throw new ModelLoadException(folder.root(), ModelFolder.MODEL + " has past_key_values inputs but no " + what);
        }
    }

    private static TensorInfo tensor(NodeInfo node, String name, ModelFolder folder) {
        if (!(node.getInfo() instanceof TensorInfo info)) {
            throw new ModelLoadException(folder.root(), ModelFolder.MODEL + ": " + name + " is not a tensor");
        }
        return info;
    }

    private static KvDType dtype(TensorInfo info, String name, ModelFolder folder) {
        OnnxJavaType type = info.type;
        try {
            return KvDType.of(type);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(folder.root(), ModelFolder.MODEL + ": " + name + " has type " + type
                    + "; float32 and float16 are supported");
        }
    }

    private static void crossCheck(String field, int configured, String graphPlace, int inGraph, ModelFolder folder) {
        if (configured != inGraph) {
            throw new ModelLoadException(folder.root(), ModelFolder.CONFIG + " " + field + " = " + configured
                    + " but " + ModelFolder.MODEL + " has " + inGraph + " (" + graphPlace + ")");
        }
    }
}
