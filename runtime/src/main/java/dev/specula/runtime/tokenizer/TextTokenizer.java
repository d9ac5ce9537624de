package dev.specula.runtime.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.model.ModelLoadException;
import dev.specula.runtime.model.TokenizerFile;
import java.util.OptionalInt;

/**
 * A model folder's tokenizer. Encoding adds no special tokens by default: chat templates and callers place
 * BOS and role markers themselves, and adding them twice changes the prompt (vLLM encodes chat prompts with
 * {@code add_special_tokens=False} for the same reason). Decoding skips special tokens by default, as vLLM
 * does, so {@code <|endoftext|>} never reaches a user. Thread-safe: the native tokenizer is immutable.
 */
public final class TextTokenizer implements AutoCloseable {
    private final ModelFolder folder;
    private final TokenizerFile file;
    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(ModelFolder folder, TokenizerFile file, HuggingFaceTokenizer tokenizer) {
        this.folder = folder;
        this.file = file;
        this.tokenizer = tokenizer;
    }

    /** Loads {@code tokenizer.json} from the folder; never touches the network. */
    public static TextTokenizer load(ModelFolder folder) {
        TokenizerFile file = folder.tokenizerFile();
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(folder.file(ModelFolder.TOKENIZER))
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            return new TextTokenizer(folder, file, tokenizer);
        } catch (Exception e) {
            throw new ModelLoadException(folder.root(), ModelFolder.TOKENIZER + " cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** Token ids of {@code text}, without special tokens. */
    public int[] encode(String text) {
        return encode(text, false);
    }

    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding encoding = tokenizer.encode(text, addSpecialTokens, false);
        long[] ids = encoding.getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = (int) ids[i];
        }
        return result;
    }

    /** Text of {@code ids}, skipping special tokens. */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length, true);
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, 0, ids.length, skipSpecialTokens);
    }

    /** Text of {@code ids[from, to)}. Ids outside the vocabulary are an {@link IllegalArgumentException}. */
    public String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
        long[] longs = new long[to - from];
        for (int i = from; i < to; i++) {
            if (ids[i] < 0 || ids[i] >= file.vocabSize()) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the tokenizer's vocabulary [0, "
                        + file.vocabSize() + ")");
            }
            longs[i - from] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    /** A new streaming detokenizer for one generation (special tokens skipped). */
    public StreamingDetokenizer newDetokenizer() {
        return new StreamingDetokenizer(this);
    }

    /** The id of an added token, e.g. {@code <|im_end|>}. */
    public OptionalInt addedTokenId(String content) {
        return file.addedTokenId(content);
    }

    /** 1 + the largest id this tokenizer produces. */
    public int vocabSize() {
        return file.vocabSize();
    }

    /** SHA-256 (hex) of {@code tokenizer.json}'s bytes. */
    public String sha256() {
        return file.sha256();
    }

    public ModelFolder folder() {
        return folder;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
