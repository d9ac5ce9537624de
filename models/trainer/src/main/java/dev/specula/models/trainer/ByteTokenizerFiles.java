package dev.specula.models.trainer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes the shared byte-level tokenizer (token id = byte value, plus four specials) in Hugging Face
 * format, and proves with DJL's HF tokenizer binding that it really maps text to its UTF-8 bytes.
 * A byte vocabulary needs no training and cannot disagree between drafter and verifier.
 */
public final class ByteTokenizerFiles {
    public static final int EOT = 256;
    public static final int PAD = 257;
    public static final int IM_START = 258;
    public static final int IM_END = 259;
    public static final int VOCAB_SIZE = 260;
    static final String[] SPECIALS = {"<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"};

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private ByteTokenizerFiles() {
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards. */
    static char[] bytesToUnicode() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (direct[b]) {
                map[b] = (char) b;
            } else {
                map[b] = (char) (256 + n++);
            }
        }
        return map;
    }

    public static void writeAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfigJson(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("generation_config.json"), generationConfigJson(), StandardCharsets.UTF_8);
    }

    static String tokenizerJson() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        JsonArray added = new JsonArray();
        for (int i = 0; i < SPECIALS.length; i++) {
            JsonObject t = new JsonObject();
            t.addProperty("id", 256 + i);
            t.addProperty("content", SPECIALS[i]);
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            added.add(t);
        }
        root.add("added_tokens", added);
        root.add("normalizer", JsonNull.INSTANCE);
        root.add("pre_tokenizer", byteLevel("ByteLevel", true));
        root.add("post_processor", JsonNull.INSTANCE);
        root.add("decoder", byteLevel("ByteLevel", false));

        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        JsonObject vocab = new JsonObject();
        char[] map = bytesToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(String.valueOf(map[b]), b);
        }
        model.add("vocab", vocab);
        model.add("merges", new JsonArray());
        root.add("model", model);
        return GSON.toJson(root) + "\n";
    }

    private static JsonObject byteLevel(String type, boolean preTokenizer) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        o.addProperty("add_prefix_space", false);
        o.addProperty("trim_offsets", true);
        o.addProperty("use_regex", false);
        return o;
    }

    static String tokenizerConfigJson() {
        JsonObject o = new JsonObject();
        JsonObject decoder = new JsonObject();
        for (int i = 0; i < SPECIALS.length; i++) {
            JsonObject t = new JsonObject();
            t.addProperty("content", SPECIALS[i]);
            t.addProperty("lstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("rstrip", false);
            t.addProperty("single_word", false);
            t.addProperty("special", true);
            decoder.add(String.valueOf(256 + i), t);
        }
        o.add("added_tokens_decoder", decoder);
        JsonArray extra = new JsonArray();
        extra.add(SPECIALS[2]);
        extra.add(SPECIALS[3]);
        o.add("additional_special_tokens", extra);
        o.addProperty("bos_token", SPECIALS[0]);
        o.addProperty("eos_token", SPECIALS[0]);
        o.addProperty("pad_token", SPECIALS[1]);
        o.add("unk_token", JsonNull.INSTANCE);
        o.addProperty("add_bos_token", false);
        o.addProperty("add_eos_token", false);
        o.addProperty("clean_up_tokenization_spaces", false);
        o.addProperty("model_max_length", ModelConfig.MAX_POSITIONS);
        o.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        o.addProperty("chat_template",
                "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
        return GSON.toJson(o) + "\n";
    }

    static String generationConfigJson() {
        JsonObject o = new JsonObject();
        o.addProperty("bos_token_id", EOT);
        o.addProperty("eos_token_id", EOT);
        o.addProperty("pad_token_id", PAD);
        o.addProperty("do_sample", false);
        o.addProperty("max_length", ModelConfig.MAX_POSITIONS);
        return GSON.toJson(o) + "\n";
    }

    /** Fails unless DJL's HF tokenizer maps a tricky string (tab, newline, non-ASCII) to its UTF-8 bytes and back. */
    public static void verify(Path dir) throws IOException {
        String text = "class Foo {\n\tint x = 1; // é\n}";
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.builder()
                .optTokenizerPath(dir.resolve("tokenizer.json"))
                .optAddSpecialTokens(false)
                .build()) {
            Encoding enc = tok.encode(text, false, false);
            long[] ids = enc.getIds();
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            long[] expected = new long[utf8.length];
            for (int i = 0; i < utf8.length; i++) expected[i] = utf8[i] & 0xFF;
            if (!Arrays.equals(ids, expected)) {
                throw new IllegalStateException("tokenizer ids " + Arrays.toString(ids) + " != bytes " + Arrays.toString(expected));
            }
            String back = tok.decode(ids, false);
            if (!text.equals(back)) {
                throw new IllegalStateException("tokenizer round trip gave '" + back + "'");
            }
            long[] special = tok.encode("<|im_start|>user\nhi<|im_end|><|endoftext|>", false, false).getIds();
            if (special[0] != IM_START || special[special.length - 2] != IM_END || special[special.length - 1] != EOT) {
                throw new IllegalStateException("special tokens not recognised: " + Arrays.toString(special));
            }
            System.out.println("tokenizer ok: " + ids.length + " ids for " + text.length() + " chars; specials recognised");
        }
    }
}
