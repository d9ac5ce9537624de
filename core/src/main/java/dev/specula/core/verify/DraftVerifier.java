package dev.specula.core.verify;

import dev.specula.core.loop.Draft;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;

/**
 * What a verifier runs after its forward pass over the last committed token and the k drafted tokens: shape the
 * target rows it needs, apply {@link RejectionSampler}, report the target's full-softmax entropy.
 */
public final class DraftVerifier {

    private DraftVerifier() {
    }

    /**
     * Verifies one draft against the target's logits.
     *
     * <p>Greedy requests ({@code params.greedy()}) use the greedy rule and ignore any draft distributions. Sampled
     * requests use the draft's distributions; a draft without distributions came from a deterministic source
     * (n-gram lookup), i.e. each drafted token had probability 1, and is verified against point masses — still
     * lossless, since accepting x with probability target(x) and otherwise drawing from the target without x is
     * exactly a draw from the target.
     *
     * @param draft         k drafted tokens (k = 0: a plain decoding step)
     * @param logits        [k + 1][vocab] flattened; row i holds the target logits predicting the token at
     *                      {@code firstPosition + i} (row 0 comes from the last committed token)
     * @param vocab         vocabulary size (row length)
     * @param params        the request's sampling parameters, applied to the target rows as the drafter applied
     *                      them to its own
     * @param firstPosition absolute position of the first drafted token (= committed length)
     */
    public static Verdict verify(Draft draft, float[] logits, int vocab, SamplingParams params, long firstPosition) {
        int k = draft.length();
        if (vocab <= 0 || logits.length < (long) (k + 1) * vocab) {
            throw new IllegalArgumentException("need " + (k + 1) + " rows of " + vocab + " logits, got "
                    + logits.length + " values");
        }
        for (int token : draft.tokens()) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("drafted token " + token + " outside the vocabulary [0, " + vocab
                        + ")");
            }
        }
        SparseDistribution[] draftProbs = params.greedy() ? null : draftProbs(draft);
        Verdict verdict = RejectionSampler.verify(draft.tokens(), draftProbs,
                row -> LogitsShaper.shape(logits, row * vocab, vocab, params), params.seed(), firstPosition);
        // The policies want the uncertainty of the model itself, not of the truncated (possibly point-mass) target.
        double entropy = LogitsShaper.entropy(logits, verdict.accepted() * vocab, vocab, params.temperature());
        return new Verdict(verdict.accepted(), verdict.nextToken(), verdict.bonus(), verdict.targetProbOfDrafts(),
                (float) entropy);
    }

    private static SparseDistribution[] draftProbs(Draft draft) {
        if (draft.distributions() != null) {
            return draft.distributions();
        }
        SparseDistribution[] pointMasses = new SparseDistribution[draft.length()];
        for (int i = 0; i < pointMasses.length; i++) {
            pointMasses[i] = SparseDistribution.pointMass(draft.tokens()[i]);
        }
        return pointMasses;
    }
}
