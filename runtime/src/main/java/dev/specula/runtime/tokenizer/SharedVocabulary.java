package dev.specula.runtime.tokenizer;

import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.model.TokenizerFile;

/**
 * The check made when a drafter is paired with a verifier: identical {@code tokenizer.json} bytes (SHA-256)
 * and equal logits width ({@code config.json} vocab_size). A cross-vocabulary mapping is not supported.
 */
public final class SharedVocabulary {
    private SharedVocabulary() {
    }

    /** Reads both folders' files and compares them. */
    public static void require(ModelFolder first, ModelFolder second) {
        require(first, first.tokenizerFile(), first.config().vocabSize(),
                second, second.tokenizerFile(), second.config().vocabSize());
    }

    /**
     * Compares already-loaded tokenizer files and logits widths (what a loaded model holds).
     *
     * @throws VocabularyMismatchException naming both folders when they differ
     */
    public static void require(ModelFolder first, TokenizerFile a, int vocabA,
                               ModelFolder second, TokenizerFile b, int vocabB) {
        if (!a.sha256().equals(b.sha256())) {
            throw new VocabularyMismatchException(first.root(), second.root(), "tokenizer.json SHA-256 "
                    + a.sha256() + " vs " + b.sha256() + " (tokenizer vocabulary " + a.vocabSize() + " vs "
                    + b.vocabSize() + ")");
        }
        if (vocabA != vocabB) {
            throw new VocabularyMismatchException(first.root(), second.root(),
                    "config.json vocab_size " + vocabA + " vs " + vocabB);
        }
    }
}
