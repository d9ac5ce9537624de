package dev.specula.models.trainer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Architecture hyper-parameters of one byte-level GPT. The same object drives the DJL forward pass, the
 * ONNX graph and {@code config.json}, so the three cannot drift apart.
 */
public final class ModelConfig {
    public static final int VOCAB = ByteTokenizerFiles.VOCAB_SIZE;
    public static final int MAX_POSITIONS = 2048;
    public static final double ROPE_THETA = 10000.0;
    public static final float LAYER_NORM_EPS = 1e-5f;

    public final String name;
    public final int hidden;
    public final int layers;
    public final int heads;
    public final int kvHeads;
    public final int headDim;
    public final int intermediate;

    public ModelConfig(String name, int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads must be a multiple of kv heads");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rotary needs an even head_dim");
        }
        this.name = name;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.intermediate = intermediate;
    }

    /** Random-weight model for fast unit tests of the runtime. */
    public static ModelConfig tiny() {
        return new ModelConfig("test-tiny", 64, 2, 4, 2, 16, 256);
    }

    /** ~10.8M parameters: large enough that 5 new tokens cost little more than 1 on ONNX Runtime CPU. */
    public static ModelConfig verifier() {
        return new ModelConfig("verifier", 384, 6, 6, 2, 64, 1792);
    }

    /** ~0.65M parameters, 2 layers: cheap enough (few ONNX ops per token) to draft many tokens per verifier step. */
    public static ModelConfig drafter() {
        return new ModelConfig("drafter", 160, 2, 4, 2, 40, 640);
    }

    public static ModelConfig preset(String name) {
        switch (name) {
            case "tiny":
            case "test-tiny":
                return tiny();
            case "verifier":
                return verifier();
            case "drafter":
                return drafter();
            default:
                throw new IllegalArgumentException("unknown model preset " + name);
        }
    }

    public int groups() {
        return heads / kvHeads;
    }

    public int qkvWidth() {
        return (heads + 2 * kvHeads) * headDim;
    }

    public long parameterCount() {
        long perLayer = 4L * hidden // two LayerNorms (weight + bias)
                + (long) hidden * qkvWidth()
                + (long) heads * headDim * hidden
                + 2L * hidden * intermediate;
        return 2L * VOCAB * hidden + layers * perLayer + 2L * hidden;
    }

    /** Hugging Face style config.json; {@code specula} carries what the model card and loaders may want. */
    public JsonObject toConfigJson(JsonObject specula) {
        JsonObject o = new JsonObject();
        o.addProperty("model_type", "specula_gpt");
        com.google.gson.JsonArray arch = new com.google.gson.JsonArray();
        arch.add("SpeculaGptForCausalLM");
        o.add("architectures", arch);
        o.addProperty("vocab_size", VOCAB);
        o.addProperty("hidden_size", hidden);
        o.addProperty("num_hidden_layers", layers);
        o.addProperty("num_attention_heads", heads);
        o.addProperty("num_key_value_heads", kvHeads);
        o.addProperty("head_dim", headDim);
        o.addProperty("intermediate_size", intermediate);
        o.addProperty("hidden_act", "gelu");
        o.addProperty("max_position_embeddings", MAX_POSITIONS);
        o.addProperty("rope_theta", ROPE_THETA);
        o.addProperty("layer_norm_eps", 1e-5);
        o.addProperty("bos_token_id", ByteTokenizerFiles.EOT);
        o.addProperty("eos_token_id", ByteTokenizerFiles.EOT);
        o.addProperty("pad_token_id", ByteTokenizerFiles.PAD);
        o.addProperty("torch_dtype", "float32");
        o.addProperty("tie_word_embeddings", false);
        o.addProperty("use_cache", true);
        o.add("specula", specula);
        return o;
    }

    public void writeConfigJson(Path dir, JsonObject specula) throws IOException {
        Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
        Files.writeString(dir.resolve("config.json"), gson.toJson(toConfigJson(specula)) + "\n", StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return String.format("%s(hidden=%d, layers=%d, heads=%d, kv_heads=%d, head_dim=%d, intermediate=%d, params=%d)",
                name, hidden, layers, heads, kvHeads, headDim, intermediate, parameterCount());
    }
}
