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
 * Exactly one of recovered/bonus is {@code nextToken}, so every round commits {@code accepted + 1} tokens.
 *
 * @param accepted           number of drafted tokens accepted
 * @param nextToken          the recovered or bonus token
 * @param bonus              true when {@code nextToken} is a bonus token (all drafts accepted)
 * @param targetProbOfDrafts the target's probability of each drafted token that was examined (length ≥ accepted)
 * @param targetEntropy      entropy (nats) of the target distribution at the position of {@code nextToken}
 */
public record Verdict(int accepted, int nextToken, boolean bonus, float[] targetProbOfDrafts, float targetEntropy) {

    public Verdict {
        if (accepted < 0 || nextToken < 0) {
            throw new IllegalArgumentException("accepted and nextToken must be >= 0");
        }
    }

    /** Tokens this verdict commits. */
    public int committedCount() {
        return accepted + 1;
    }
}
