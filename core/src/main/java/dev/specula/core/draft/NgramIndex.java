package dev.specula.core.draft;

import java.util.Arrays;

/**
 * An incrementally built index of a token sequence for prompt lookup: where did the sequence's current suffix
 * occur before? Each appended token links the {@code minLength}-gram ending at it into a hash chain (LZ77-style:
 * {@code head[hash]} is the latest position, {@code previous[position]} the one before with the same hash), so
 * appending costs O(minLength) and a lookup walks at most {@code maxCandidates} earlier occurrences, most recent
 * first, extending each match backwards up to {@code maxLength} tokens. Memory: the tokens, one int per position
 * and a head table of at most twice the length — bounded by the sequence, never rescanned.
 */
final class NgramIndex {
    private final int minLength;
    private final int maxLength;
    private final int maxCandidates;
    private int[] tokens = new int[64];
    private int length;
    private int[] previous = new int[64];
    private int[] head = emptyHead(64);

    NgramIndex(int minLength, int maxLength, int maxCandidates) {
        if (minLength < 1 || maxLength < minLength || maxCandidates < 1) {
            throw new IllegalArgumentException("need 1 <= min length <= max length and >= 1 candidate");
        }
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.maxCandidates = maxCandidates;
    }

    int length() {
        return length;
    }

    int token(int position) {
        return tokens[position];
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, length * 2);
            previous = Arrays.copyOf(previous, length * 2);
        }
        tokens[length] = token;
        previous[length] = -1;
        length++;
        if (length > head.length / 2) {
            rehash(head.length * 2);
        } else {
            link(length - 1);
        }
    }

    /** Forgets everything (the sequence diverged from what was indexed). */
    void clear() {
        length = 0;
        Arrays.fill(head, -1);
    }

    /**
     * The latest earlier occurrence of the longest suffix, of {@code minLength..maxLength} tokens, of the sequence,
     * among the {@code maxCandidates} latest occurrences of its last {@code minLength} tokens.
     *
     * @return {@code (end << 32) | matchLength}, where {@code end} is the position of the occurrence's last token
     *     (so {@code end + 1} is what followed it), or -1 when no suffix of at least {@code minLength} tokens occurred
     *     before
     */
    long longestSuffixMatch() {
        int last = length - 1;
        if (length < minLength + 1) {
            return -1;
        }
        int bestEnd = -1;
        int bestLength = 0;
        int candidate = previous[last];
        int occurrences = 0;
        // A chain also holds grams that merely share the hash slot: they cost a step but are not occurrences.
        for (int steps = 0; candidate >= 0 && occurrences < maxCandidates && steps < 4 * maxCandidates;
                steps++, candidate = previous[candidate]) {
            int matched = 0;
            while (matched < maxLength && candidate - matched >= 0
                    && tokens[candidate - matched] == tokens[last - matched]) {
                matched++;
            }
            if (matched < minLength) {
                continue;
            }
            occurrences++;
            if (matched > bestLength) {
                bestEnd = candidate;
                bestLength = matched;
                if (matched == maxLength) {
                    break;
                }
            }
        }
        return bestEnd < 0 ? -1 : ((long) bestEnd << 32) | bestLength;
    }

    /** Links the gram ending at {@code position} (if it has {@code minLength} tokens) into its chain. */
    private void link(int position) {
        if (position < minLength - 1) {
            return;
        }
        int slot = slot(position);
        previous[position] = head[slot];
        head[slot] = position;
    }

    private int slot(int end) {
        int h = 0x811C9DC5;
        for (int i = end - minLength + 1; i <= end; i++) {
            h = (h ^ tokens[i]) * 0x01000193;
        }
        h ^= h >>> 15;
        return h & (head.length - 1);
    }

    private void rehash(int size) {
        head = emptyHead(size);
        for (int p = 0; p < length; p++) {
            previous[p] = -1;
            link(p);
        }
    }

    private static int[] emptyHead(int size) {
        int[] h = new int[size];
        Arrays.fill(h, -1);
        return h;
    }
}
