package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.verify.RejectionSampler;
import dev.specula.core.verify.Verdict;

/**
 * A verifier over {@link ToyLanguageModel#target}: keeps its own copy of the committed sequence (as a remote
 * verifier does), builds the target distribution at each drafted position from the true context, and applies
 * {@link RejectionSampler}.
 */
final class ToyVerifierChannel implements VerifierChannel {
    private final ToyLanguageModel model;
    private final TokenSequence committed;
    private final SamplingParams params;
    private final boolean offByOneContext;

    /**
     * @param model           shaped with the same temperature / top-k / top-p as {@code params}
     * @param offByOneContext a deliberate bug for power checks: the target at drafted position i is conditioned on
     *                        drafted token i instead of the token before it
     */
    ToyVerifierChannel(ToyLanguageModel model, int[] prompt, SamplingParams params, boolean offByOneContext) {
        this.model = model;
        this.committed = new TokenSequence(prompt);
        this.params = params;
        this.offByOneContext = offByOneContext;
    }

    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft) {
        committed.append(uncheckedContext, 0, uncheckedContext.length);
        int k = draft.length();
        SparseDistribution[] targets = new SparseDistribution[k + 1];
        int previous = committed.last();
        for (int i = 0; i <= k; i++) {
            int context = offByOneContext && i < k ? draft.tokens()[i] : previous;
            targets[i] = model.target(context);
            previous = i < k ? draft.tokens()[i] : previous;
        }
        Verdict verdict = RejectionSampler.verify(draft.tokens(), draftProbs(draft), targets, params.seed(),
                committed.length());
        committed.append(draft.tokens(), 0, verdict.accepted());
        committed.append(verdict.nextToken());
        return verdict;
    }

    /** Extra plain steps as the real verifier takes them: one plain round after another. */
    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        return VerifierChannel.verifyThenPlainSteps(this, uncheckedContext, draft, extraPlainSteps);
    }

    /**
     * Null means greedy to {@link RejectionSampler}, but a sampled request's plain step arrives as
     * {@link Draft#EMPTY} whose distributions are null too, and so do a sampled request's deterministic (n-gram)
     * drafts: decide from the request and verify those against point masses, as DraftVerifier does.
     */
    private SparseDistribution[] draftProbs(Draft draft) {
        if (params.greedy()) {
            return null;
        }
        if (draft.distributions() != null) {
            return draft.distributions();
        }
        SparseDistribution[] pointMasses = new SparseDistribution[draft.length()];
        for (int i = 0; i < pointMasses.length; i++) {
            pointMasses[i] = SparseDistribution.pointMass(draft.tokens()[i]);
        }
        return pointMasses;
    }

    @Override
    public void close() {
    }
}
