package dev.specula.core.draft;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;

/**
 * Model-free drafting by prompt lookup (as in Token Recycling, CopySpec, prompt-lookup decoding): find the longest
 * suffix of the committed sequence, {@code minLength..maxLength} tokens long, that occurred earlier in it — the
 * most recent occurrence among equally long ones — and propose the tokens that followed it. Costs no model: the
 * fallback when no drafter is reachable, and a win on text that repeats (code edits, quoting).
 *
 * <p>Drafts are deterministic functions of the committed sequence, so they carry no distributions: greedy
 * requests verify them by equality, sampled requests against point masses (lossless either way). Confidences are
 * {@code m / (m + 1)} for a match of m tokens (longer matches are surer; calibrating policies learn how much);
 * entropies are NaN (there is no distribution), so entropy-adaptive mode never trusts these drafts unverified.
 *
 * <p>When the continuation runs into the present (a repeating pattern such as "abcabc"), it keeps copying from the
 * tokens it has just proposed, as an overlapping LZ77 copy does. The index grows by the committed tokens appended
 * since the last call; it never holds drafts. If the committed sequence is not an extension of what was indexed
 * (the source was handed another generation), the index is rebuilt.
 */
public final class NgramDraftSource implements DraftSource {
    /** Earlier occurrences examined per lookup, most recent first. */
    static final int MAX_CANDIDATES = 8;

    private final NgramIndex index;
    private long drafts;

    /**
     * @param minLength shortest suffix match that may propose a draft (tokens; larger for byte-level vocabularies)
     * @param maxLength longest suffix compared; a match this long ends the search
     */
    public NgramDraftSource(int minLength, int maxLength) {
        this.index = new NgramIndex(minLength, maxLength, MAX_CANDIDATES);
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        sync(committed);
        long match = maxTokens > 0 ? index.longestSuffixMatch() : -1;
        if (match < 0) {
            return Draft.EMPTY;
        }
        int end = (int) (match >>> 32);
        int matched = (int) match;
        int n = index.length();
        int[] tokens = new int[maxTokens];
        for (int i = 0; i < maxTokens; i++) {
            int from = end + 1 + i;
            tokens[i] = from < n ? index.token(from) : tokens[from - n];
        }
        float[] confidences = new float[maxTokens];
        java.util.Arrays.fill(confidences, matched / (matched + 1f));
        drafts++;
        return new Draft(tokens, null, confidences);
    }

    /** Drafts proposed so far (lookups that found a match). */
    public long drafts() {
        return drafts;
    }

    /** Appends the committed tokens not yet indexed; rebuilds when the sequence is not an extension. */
    private void sync(TokenSequence committed) {
        int indexed = index.length();
        if (indexed > committed.length() || (indexed > 0 && committed.get(indexed - 1) != index.token(indexed - 1))) {
            index.clear();
            indexed = 0;
        }
        for (int i = indexed; i < committed.length(); i++) {
            index.append(committed.get(i));
        }
    }

    @Override
    public void close() {
    }
}
