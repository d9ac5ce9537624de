package dev.specula.runtime.tokenizer;

import java.nio.file.Path;

/**
 * A drafter and a verifier do not share one vocabulary, so token ids drafted by one mean something else to
 * the other and verification would be silently wrong. Names both folders and what differs.
 */
public class VocabularyMismatchException extends RuntimeException {
    private final Path first;
    private final Path second;

    public VocabularyMismatchException(Path first, Path second, String difference) {
        super("models " + first + " and " + second + " do not share a vocabulary: " + difference);
        this.first = first;
        this.second = second;
    }

    public Path first() {
        return first;
    }

    public Path second() {
        return second;
    }
}
