package dev.specula.core.loop;

import java.util.Arrays;

/**
 * The committed token sequence of one generation: prompt followed by generated tokens. Append-only from the
 * loop's point of view; a round only ever appends. Backed by a growable int array (no boxing on the hot path).
 */
public final class TokenSequence {
    private int[] tokens;
    private int length;
    private final int promptLength;

    public TokenSequence(int[] prompt) {
        this.tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
        this.length = prompt.length;
        this.promptLength = prompt.length;
    }

    public int length() {
        return length;
    }

    public int promptLength() {
        return promptLength;
    }

    /** Tokens generated after the prompt. */
    public int generatedLength() {
        return length - promptLength;
    }

    public int get(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + length + ")");
        }
        return tokens[index];
    }

    public int last() {
        return get(length - 1);
    }

    public void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
    }

    public void append(int[] more, int from, int to) {
        for (int i = from; i < to; i++) {
            append(more[i]);
        }
    }

    /** Copy of tokens [from, to). */
    public int[] slice(int from, int to) {
        if (from < 0 || to > length || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of length " + length);
        }
        return Arrays.copyOfRange(tokens, from, to);
    }

    public int[] toArray() {
        return Arrays.copyOf(tokens, length);
    }

    /** Generated tokens only. */
    public int[] generated() {
        return slice(promptLength, length);
    }
}
