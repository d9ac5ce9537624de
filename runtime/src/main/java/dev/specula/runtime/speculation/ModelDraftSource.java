package dev.specula.runtime.speculation;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.DraftSampling;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import java.util.Arrays;

/**
 * A draft model as a {@link DraftSource}: one {@link DecoderSession} per generation.
 *
 * <p>Each call first syncs to the committed sequence: it keeps the longest common prefix of what it has
 * ingested and {@code committed} (rolling back rejected drafts), then ingests the committed tokens it lacks in
 * one forward — after full acceptance that is its own last drafted token plus the bonus token (the gpt-fast
 * detail). At least the last committed token is always fed, because its logits row predicts the first draft.
 * Then it drafts one token per forward; the last drafted token is not ingested (it may be rejected).
 *
 * <p>Drafted token i sits at absolute position {@code committed.length() + i}; sampled drafts are drawn by
 * {@link DraftSampling} at that position from the {@link LogitsShaper}-shaped row, so a replay draws the same.
 *
 * <p>Confidences (for draft-length policies): greedy → the drafter's softmax probability of its argmax
 * (temperature 1, before any truncation), since the point mass would always say 1; sampled → the
 * probability of the drawn token in the shaped distribution it was drawn from. Entropies (for entropy-adaptive
 * switching and the cascade): of the full softmax at the request's temperature (1 for greedy). Drafting stops
 * early at the drafter's stop token (nothing after it could be committed), at the context limit, or where the
 * round's {@link DraftStopRule} says so — before the next forward, which is what stopping saves.
 */
public final class ModelDraftSource implements DraftSource {
    private final DecoderModel model;
    private final DecoderSession session;
    private final int vocab;
    /** Token ids in the session's KV, in order (the session itself knows only positions). */
    private int[] ingested = new int[64];
    private final int[] one = new int[1];
    private final boolean stopAtEndOfSequence;

    public ModelDraftSource(DecoderModel model) {
        this(model, true);
    }

    /**
     * @param stopAtEndOfSequence end a draft at the model's end-of-sequence token (nothing after it could be
     *                            committed); false when the request ignores end of sequence, e.g. to draft a
     *                            cascade's whole answer
     */
    public ModelDraftSource(DecoderModel model, boolean stopAtEndOfSequence) {
        this.model = model;
        this.session = model.newSession();
        this.vocab = model.vocabSize();
        this.stopAtEndOfSequence = stopAtEndOfSequence;
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params) {
        return draft(committed, maxTokens, params, DraftStopRule.NEVER);
    }

    @Override
    public Draft draft(TokenSequence committed, int maxTokens, SamplingParams params, DraftStopRule stop) {
        int n = committed.length();
        if (n == 0) {
            throw new IllegalArgumentException("cannot draft after an empty sequence: the prompt needs a token (BOS)");
        }
        int k = Math.min(maxTokens, model.maxPositions() - n);
        if (k <= 0) {
            return Draft.EMPTY;
        }
        float[] row = sync(committed);
        int[] tokens = new int[k];
        float[] confidences = new float[k];
        float[] entropies = new float[k];
        SparseDistribution[] distributions = params.greedy() ? null : new SparseDistribution[k];
        int drafted = 0;
        while (drafted < k) {
            long position = n + drafted;
            int token;
            if (params.greedy()) {
                token = LogitsShaper.argmax(row, 0, vocab);
                confidences[drafted] = softmaxProbabilityAndEntropy(row, token, entropies, drafted);
            } else {
                SparseDistribution shaped = LogitsShaper.shape(row, 0, vocab, params);
                token = DraftSampling.drawDraftToken(shaped, params.seed(), position);
                distributions[drafted] = shaped;
                confidences[drafted] = shaped.probOf(token);
                entropies[drafted] = (float) LogitsShaper.entropy(row, 0, vocab, params.temperature());
            }
            tokens[drafted] = token;
            boolean stopHere = stop.stopAfter(drafted, confidences[drafted]);
            drafted++;
            if (drafted == k || stopHere || (stopAtEndOfSequence && model.generationConfig().isStopToken(token))) {
                break;
            }
            one[0] = token;
            row = session.forward(one);
            record(session.length() - 1, token);
        }
        Draft draft = new Draft(tokens, distributions, confidences, entropies);
        return drafted < k ? draft.prefix(drafted) : draft;
    }

    /** Tokens currently in the drafter's KV cache (for tests and diagnostics). */
    public int ingestedLength() {
        return session.length();
    }

    @Override
    public void close() {
        session.close();
    }

    /** Rolls back past the common prefix, ingests what is missing, returns the row predicting position n. */
    private float[] sync(TokenSequence committed) {
        int n = committed.length();
        int common = 0;
        int limit = Math.min(session.length(), n);
        while (common < limit && ingested[common] == committed.get(common)) {
            common++;
        }
        int keep = Math.min(common, n - 1);
        session.truncate(keep);
        int[] missing = committed.slice(keep, n);
        float[] row = session.forwardLast(missing, 1);
        for (int i = 0; i < missing.length; i++) {
            record(keep + i, missing[i]);
        }
        return row;
    }

    private void record(int at, int token) {
        if (at >= ingested.length) {
            ingested = Arrays.copyOf(ingested, Math.max(at + 1, ingested.length * 2));
        }
        ingested[at] = token;
    }

    /**
     * Softmax probability of the argmax {@code token} (temperature 1), and into {@code entropies[at]} the softmax's
     * entropy, in one pass: H = ln Z − Σ e^(s_i) s_i / Z with s_i = logit_i − max.
     */
    private float softmaxProbabilityAndEntropy(float[] row, int token, float[] entropies, int at) {
        float max = row[token]; // token is the argmax
        double sum = 0.0;
        double weightedScores = 0.0;
        for (int i = 0; i < vocab; i++) {
            double s = row[i] - max;
            double e = Math.exp(s);
            sum += e;
            if (e > 0.0) {
                weightedScores += e * s;
            }
        }
        entropies[at] = (float) Math.max(0.0, Math.log(sum) - weightedScores / sum);
        return (float) (1.0 / sum);
    }
}
