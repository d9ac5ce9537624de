package dev.specula.core.verify;

/**
 * The outcome of verifying one draft of k tokens.
 *
 * <ul>
 *   <li><b>accepted</b> tokens: the longest prefix of the draft that passed verification (0..k);</li>
 *   <li><b>recovered</b> token: when drafted token {@code accepted} was rejected, a replacement sampled from
 *       norm(max(0, target - draft)) (greedy: the target's argmax) at that position;</li>
 *   <li><b>bonus</b> token: when all k were accepted, one more token sampled from the target at position k+1.</li>
 * </ul>
 * Exactly one of recovered/bonus is {@code nextToken}, so every round commits {@code accepted + 1} tokens, plus
 * any {@code extraTokens}: plain decoding steps the verifier took on its own after {@code nextToken} when the
 * round asked for them (each exactly a following round without a draft).
 *
 * @param accepted           number of drafted tokens accepted
 * @param nextToken          the recovered or bonus token
 * @param bonus              true when {@code nextToken} is a bonus token (all drafts accepted)
 * @param targetProbOfDrafts the target's probability of each drafted token that was examined (length ≥ accepted)
 * @param targetEntropy      entropy (nats) of the target distribution at the position of the last committed token
 * @param extraTokens        tokens of the extra plain steps, committed after {@code nextToken}; usually none
 */
public record Verdict(int accepted, int nextToken, boolean bonus, float[] targetProbOfDrafts, float targetEntropy,
                      int[] extraTokens) {
    private static final int[] NONE = new int[0];

    public Verdict {
        if (accepted < 0 || nextToken < 0) {
            throw new IllegalArgumentException("accepted and nextToken must be >= 0");
        }
        extraTokens = extraTokens == null ? NONE : extraTokens;
        for (int t : extraTokens) {
            if (t < 0) {
                throw new IllegalArgumentException("extra tokens must be >= 0");
            }
        }
    }

    /** A round without extra plain steps. */
    public Verdict(int accepted, int nextToken, boolean bonus, float[] targetProbOfDrafts, float targetEntropy) {
        this(accepted, nextToken, bonus, targetProbOfDrafts, targetEntropy, NONE);
    }

    /** This verdict followed by the plain steps {@code extra} (entropy at the last of them). */
    public Verdict withExtraTokens(int[] extra, float lastEntropy) {
        return new Verdict(accepted, nextToken, bonus, targetProbOfDrafts, lastEntropy, extra);
    }

    /** The last token this verdict commits: the last extra token, else {@code nextToken}. */
    public int lastToken() {
        return extraTokens.length == 0 ? nextToken : extraTokens[extraTokens.length - 1];
    }

    /** Tokens this verdict commits. */
    public int committedCount() {
        return accepted + 1 + extraTokens.length;
    }
}
