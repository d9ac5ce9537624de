package dev.specula.runtime.model;

import java.util.Arrays;

/**
 * The architecture numbers of a decoder, from {@code config.json} (Hugging Face field names; GPT-2 style
 * aliases such as {@code n_layer} are accepted too).
 *
 * <p>Absent optional fields take the Hugging Face defaults: {@code num_key_value_heads} =
 * {@code num_attention_heads} (no GQA), {@code head_dim} = {@code hidden_size / num_attention_heads},
 * {@code rope_theta} = 10000. Absent token ids are -1 ({@code eosTokenIds} is then empty).
 *
 * @param vocabSize             rows of the logits; may exceed the tokenizer's vocabulary (padded embeddings)
 * @param numKeyValueHeads      KV heads; fewer than {@code numAttentionHeads} under grouped-query attention
 * @param maxPositionEmbeddings the longest sequence (prompt + generated) the model accepts
 * @param eosTokenIds           config.json's own {@code eos_token_id} (int or list), possibly empty
 */
public record ModelConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int intermediateSize,
        int maxPositionEmbeddings,
        double ropeTheta,
        int bosTokenId,
        int[] eosTokenIds,
        int padTokenId) {

    public ModelConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("head_dim", headDim);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        eosTokenIds = eosTokenIds.clone();
        requireTokenId("bos_token_id", bosTokenId, vocabSize);
        requireTokenId("pad_token_id", padTokenId, vocabSize);
        for (int eos : eosTokenIds) {
            if (eos < 0) {
                throw new IllegalArgumentException("eos_token_id " + eos + " is negative");
            }
            requireTokenId("eos_token_id", eos, vocabSize);
        }
    }

    /** Reads and validates {@code config.json}; every problem is a {@link ModelLoadException} naming the field. */
    public static ModelConfig read(ModelFolder folder) {
        ModelJson json = ModelJson.read(folder, ModelFolder.CONFIG);
        int hidden = json.requiredInt("hidden_size", "n_embd", "d_model");
        int heads = json.requiredInt("num_attention_heads", "n_head");
        try {
            return new ModelConfig(
                    json.requiredInt("vocab_size"),
                    hidden,
                    json.requiredInt("num_hidden_layers", "n_layer"),
                    heads,
                    json.optionalInt(heads, "num_key_value_heads"),
                    json.optionalInt(heads > 0 ? hidden / heads : 0, "head_dim"),
                    json.optionalInt(0, "intermediate_size", "n_inner"),
                    json.requiredInt("max_position_embeddings", "n_positions"),
                    json.optionalDouble(10_000.0, "rope_theta"),
                    json.optionalInt(-1, "bos_token_id"),
                    json.intOrList("eos_token_id"),
                    json.optionalInt(-1, "pad_token_id"));
        } catch (IllegalArgumentException e) {
            throw json.problem(e.getMessage());
        }
    }

    /** Bytes of KV cache per token for all layers at {@code bytesPerValue} (4 for float32). */
    public long kvBytesPerToken(int bytesPerValue) {
        return 2L * numHiddenLayers * numKeyValueHeads * headDim * bytesPerValue;
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && toString().equals(c.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "ModelConfig[vocab=" + vocabSize + ", hidden=" + hiddenSize + ", layers=" + numHiddenLayers
                + ", heads=" + numAttentionHeads + ", kvHeads=" + numKeyValueHeads + ", headDim=" + headDim
                + ", intermediate=" + intermediateSize + ", maxPositions=" + maxPositionEmbeddings
                + ", ropeTheta=" + ropeTheta + ", bos=" + bosTokenId + ", eos=" + Arrays.toString(eosTokenIds)
                + ", pad=" + padTokenId + "]";
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    private static void requireTokenId(String field, int id, int vocabSize) {
        if (id >= vocabSize) {
            throw new IllegalArgumentException(field + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }
}
