package dev.specula.runtime.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of generated token ids into text deltas without ever emitting half a character.
 *
 * <p>A byte-level model emits a multi-byte UTF-8 character over several tokens ("é" is bytes C3 A9: two
 * tokens), and decoding a partial sequence yields U+FFFD. So each delta is computed by decoding a short
 * window twice — the tokens already emitted (prefix) and the prefix plus the new tokens — and the new text is
 * released only when it grew and does not end in U+FFFD (the incremental algorithm of Hugging Face
 * text-generation-inference). Decoding a window rather than one token keeps merges and leading-space rules
 * right for non-byte-level tokenizers too.
 *
 * <p>Worked example with ids = bytes: push(0x68) → "h"; push(0xC3) → "" (held); push(0xA9) → "é".
 * {@link #flush} releases whatever is still held (a generation that stopped mid-character ends in U+FFFD).
 * Not thread-safe: one per generation.
 */
public final class StreamingDetokenizer {
    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private int[] window = new int[16];
    private int size;
    /** Tokens in [0, readOffset) have been emitted; [prefixOffset, readOffset) is re-decoded as context. */
    private int prefixOffset;
    private int readOffset;

    StreamingDetokenizer(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token; returns the text it completes (possibly empty). */
    public String push(int token) {
        if (size == window.length) {
            compact();
        }
        window[size++] = token;
        String prefix = tokenizer.decode(window, prefixOffset, readOffset, true);
        String full = tokenizer.decode(window, prefixOffset, size, true);
        if (full.length() > prefix.length() && full.charAt(full.length() - 1) != REPLACEMENT
                && full.startsWith(prefix)) {
            prefixOffset = readOffset;
            readOffset = size;
            return full.substring(prefix.length());
        }
        return "";
    }

    /** Adds several tokens; returns the concatenated deltas. */
    public String push(int[] tokens) {
        StringBuilder text = new StringBuilder();
        for (int token : tokens) {
            text.append(push(token));
        }
        return text.toString();
    }

    /** Releases text still held back (an incomplete character decodes to U+FFFD). */
    public String flush() {
        String prefix = tokenizer.decode(window, prefixOffset, readOffset, true);
        String full = tokenizer.decode(window, prefixOffset, size, true);
        prefixOffset = readOffset = size;
        return full.length() > prefix.length() && full.startsWith(prefix) ? full.substring(prefix.length()) : "";
    }

    /** Drops tokens before the decoding window so memory stays bounded over long generations. */
    private void compact() {
        if (prefixOffset > 0) {
            System.arraycopy(window, prefixOffset, window, 0, size - prefixOffset);
            size -= prefixOffset;
            readOffset -= prefixOffset;
            prefixOffset = 0;
        }
        if (size == window.length) {
            window = Arrays.copyOf(window, window.length * 2);
        }
    }
}
