package dev.specula.core.verify;

import dev.specula.core.sampling.DraftSampling;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.testing.ChiSquare;
import dev.specula.core.testing.Distributions;
import dev.specula.core.verify.NaiveRejectionSampler.Variant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The correctness gate of speculative sampling: whatever the draft distribution, committed tokens are distributed
 * exactly as the target's. Each trial is a fresh request (its own seed); chi-square at p = 0.001 over 10^5 trials.
 */
class RejectionSamplerLosslessTest {
    private static final int VOCAB = 6;
    private static final int TRIALS = 100_000;
    private static final long FIRST_POSITION = 11;

    private static final double[] TARGET = {0.30, 0.25, 0.20, 0.15, 0.07, 0.03};
    private static final double[] OVERLAPPING_DRAFT = {0.05, 0.10, 0.40, 0.05, 0.30, 0.10};

    /** (name, target, draft) over a 6-token vocabulary. */
    static Stream<Arguments> pairs() {
        SamplingParams topK2 = new SamplingParams(1.0, 2, 1.0, 0L);
        SamplingParams topP = new SamplingParams(0.7, 0, 0.8, 0L);
        SamplingParams full = new SamplingParams(1.0, 0, 1.0, 0L);
        float[] draftLogits = {0.2f, 1.5f, -0.3f, 1.1f, 0.4f, -1.0f};
        float[] targetLogits = {1.0f, 0.6f, 0.9f, -0.2f, 0.3f, 0.0f};
        return Stream.of(
                Arguments.of("overlapping supports", Distributions.of(TARGET), Distributions.of(OVERLAPPING_DRAFT)),
                Arguments.of("disjoint supports", Distributions.of(0.5, 0.3, 0.2, 0, 0, 0),
                        Distributions.of(0, 0, 0, 0.2, 0.3, 0.5)),
                Arguments.of("draft equals target", Distributions.of(TARGET), Distributions.of(TARGET)),
                Arguments.of("draft truncated by top-k", Distributions.of(TARGET),
                        LogitsShaper.shape(draftLogits, 0, VOCAB, topK2)),
                Arguments.of("target truncated by top-p", LogitsShaper.shape(targetLogits, 0, VOCAB, topP),
                        LogitsShaper.shape(draftLogits, 0, VOCAB, full)),
                Arguments.of("deterministic draft (point mass)", Distributions.of(TARGET),
                        SparseDistribution.pointMass(1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void firstCommittedTokenFollowsTheTarget(String name, SparseDistribution target, SparseDistribution draft) {
        for (int k : new int[] {1, 3}) {
            long[] counts = new long[VOCAB];
            for (int trial = 0; trial < TRIALS; trial++) {
                counts[firstToken(target, draft, k, requestSeed(name, k, trial), Variant.CORRECT, false)]++;
            }
            ChiSquare.assertFits(counts, Distributions.dense(target, VOCAB), name + ", k = " + k);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void twoTokenSequencesFollowTheTarget(String name, SparseDistribution target, SparseDistribution draft) {
        SparseDistribution[] targetAfter = new SparseDistribution[VOCAB + 1];
        SparseDistribution[] draftAfter = new SparseDistribution[VOCAB + 1];
        for (int context = -1; context < VOCAB; context++) {
            targetAfter[context + 1] = rotated(target, context, context);
            draftAfter[context + 1] = rotated(draft, 2 * context + 1, context);
        }
        for (int k : new int[] {1, 2}) {
            long[] counts = new long[VOCAB * VOCAB];
            for (int trial = 0; trial < TRIALS; trial++) {
                int[] pair = firstTwoTokens(targetAfter, draftAfter, k, requestSeed(name, k + 10, trial));
                counts[pair[0] * VOCAB + pair[1]]++;
            }
            ChiSquare.assertFits(counts, exactPairProbabilities(target), name + ", k = " + k);
        }
    }

    /** Power: the same gate rejects known-wrong rules, so a pass above means something. */
    @Test
    void theGateCatchesWrongRules() {
        SparseDistribution target = Distributions.of(TARGET);
        SparseDistribution draft = Distributions.of(OVERLAPPING_DRAFT);
        for (Variant mutant : new Variant[] {Variant.RECOVER_FROM_TARGET, Variant.SHARED_RANDOMNESS}) {
            long[] counts = new long[VOCAB];
            for (int trial = 0; trial < TRIALS; trial++) {
                counts[firstToken(target, draft, 1, requestSeed("mutant", mutant.ordinal(), trial), mutant, true)]++;
            }
            ChiSquare.assertDoesNotFit(counts, TARGET, mutant.name());
        }
        long[] unverified = new long[VOCAB];
        for (int trial = 0; trial < TRIALS; trial++) {
            unverified[DraftSampling.drawDraftToken(draft, requestSeed("raw", 0, trial), FIRST_POSITION)]++;
        }
        ChiSquare.assertDoesNotFit(unverified, TARGET, "unverified drafts");
    }

    /** The naive oracle under the correct variant passes the same gate (it is a valid reference). */
    @Test
    void theNaiveOracleIsLosslessToo() {
        SparseDistribution target = Distributions.of(TARGET);
        SparseDistribution draft = Distributions.of(OVERLAPPING_DRAFT);
        long[] counts = new long[VOCAB];
        for (int trial = 0; trial < TRIALS; trial++) {
            counts[firstToken(target, draft, 2, requestSeed("naive", 0, trial), Variant.CORRECT, true)]++;
        }
        ChiSquare.assertFits(counts, TARGET, "naive oracle");
    }

    /** One round of k drafts against per-position copies of {@code target}; returns the first committed token. */
    private static int firstToken(SparseDistribution target, SparseDistribution draft, int k, long seed,
            Variant variant, boolean naive) {
        int[] tokens = new int[k];
        SparseDistribution[] drafts = new SparseDistribution[k];
        SparseDistribution[] targets = new SparseDistribution[k + 1];
        for (int i = 0; i < k; i++) {
            drafts[i] = draft;
            targets[i] = target;
            tokens[i] = DraftSampling.drawDraftToken(draft, seed, FIRST_POSITION + i);
        }
        targets[k] = target;
        Verdict verdict = naive
                ? NaiveRejectionSampler.verify(VOCAB, tokens, drafts, targets, seed, FIRST_POSITION, variant)
                : RejectionSampler.verify(tokens, drafts, targets, seed, FIRST_POSITION);
        return verdict.accepted() > 0 ? tokens[0] : verdict.nextToken();
    }

    /**
     * Context matters from the second token on: the target and draft at a position depend on the token before
     * it (rotations of the base distributions). Rounds repeat until two tokens are committed, so a rejection of
     * the first draft sends the second token to a new round at the next position, as the loop does.
     *
     * @param targetAfter [1 + vocab] the target after context c at index c + 1; index 0 follows the prompt
     * @param draftAfter  [1 + vocab] the same for the draft
     */
    private static int[] firstTwoTokens(SparseDistribution[] targetAfter, SparseDistribution[] draftAfter, int k,
            long seed) {
        int[] committed = new int[2 + k + 1];
        int length = 0;
        int previous = -1; // the prompt's last token: position 0 uses the unrotated distributions
        while (length < 2) {
            long firstPosition = FIRST_POSITION + length;
            int[] tokens = new int[k];
            SparseDistribution[] drafts = new SparseDistribution[k];
            SparseDistribution[] targets = new SparseDistribution[k + 1];
            int context = previous;
            for (int i = 0; i < k; i++) {
                drafts[i] = draftAfter[context + 1];
                targets[i] = targetAfter[context + 1];
                tokens[i] = DraftSampling.drawDraftToken(drafts[i], seed, firstPosition + i);
                context = tokens[i];
            }
            targets[k] = targetAfter[context + 1];
            Verdict verdict = RejectionSampler.verify(tokens, drafts, targets, seed, firstPosition);
            System.arraycopy(tokens, 0, committed, length, verdict.accepted());
            length += verdict.accepted();
            committed[length++] = verdict.nextToken();
            previous = committed[length - 1];
        }
        return new int[] {committed[0], committed[1]};
    }

    /** P(a, b) = P0(a) · P1(b | a). */
    private static double[] exactPairProbabilities(SparseDistribution target) {
        double[] first = Distributions.dense(target, VOCAB);
        double[] joint = new double[VOCAB * VOCAB];
        for (int a = 0; a < VOCAB; a++) {
            double[] second = Distributions.dense(rotated(target, a, a), VOCAB);
            for (int b = 0; b < VOCAB; b++) {
                joint[a * VOCAB + b] = first[a] * second[b];
            }
        }
        return joint;
    }

    /** The distribution with token t moved to (t + shift) mod vocab; context -1 (the prompt) leaves it alone. */
    private static SparseDistribution rotated(SparseDistribution d, int shift, int context) {
        if (context < 0) {
            return d;
        }
        double[] dense = Distributions.dense(d, VOCAB);
        double[] out = new double[VOCAB];
        for (int t = 0; t < VOCAB; t++) {
            out[Math.floorMod(t + shift, VOCAB)] = dense[t];
        }
        return Distributions.of(out);
    }

    private static long requestSeed(String testCase, int salt, int trial) {
        return ((long) testCase.hashCode() << 32) + salt * 1_000_003L + trial;
    }
}
