package dev.specula.core.policy;

import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.RoundTrace;
import dev.specula.core.loop.VerifierLoad;

/**
 * Load-aware draft length (SmartSpec's goodput, per session): each round chooses the k in 0..K that maximises the
 * expected committed tokens per second of wall time,
 *
 * <pre>  G(k) = E(k) / (k · d + R(k)),   E(k) = (1 − α^(k+1)) / (1 − α)</pre>
 *
 * from the request's measured acceptance α ({@link AcceptanceEstimate}), the measured draft time per token d, and
 * the round latency R(k) predicted by {@link RoundCostModel} from measured rounds and the verifier's latest
 * {@link VerifierLoad}. k = 0 — a plain decoding step — wins whenever speculation would add latency: a poor
 * drafter (low α), an expensive one (large d), or a verifier so loaded that every drafted token costs a full step
 * (then E(k) &lt;= k + 1 can never pay for k·d + (k + 1)·r). Ties go to the shorter draft.
 *
 * <p>The first rounds use {@code initialLength} while nothing is measured (the first round's timings carry the
 * prompt's prefill and are not used). After {@value #PROBE_AFTER} plain steps in a row it drafts
 * {@value #PROBE_LENGTH} tokens once, so that an acceptance estimate frozen at k = 0 can recover when the text
 * or the load changes. Timings make choices depend on the machine: greedy output is unaffected, sampled output
 * stays exactly distributed but replays token for token only under the same draft schedule.
 *
 * <p>When it chooses k = 0 over a link whose round trip n dwarfs the verifier's own step time r (both from
 * {@link RoundCostModel}), it asks for a burst: the verifier takes up to N − 1 further plain steps in the same
 * round, N = ⌈n / r⌉, so the round trip costs each token at most about one step's own time; N is capped at
 * K + 1, the most a drafted round could commit, which bounds what a burst delays (the next chance to speculate,
 * and the stream's granularity). On a local link n &lt;= r and there is no burst.
 */
public final class GoodputDraftLength implements DraftLengthPolicy {
    static final int PROBE_AFTER = 16;
    static final int PROBE_LENGTH = 2;
    /** Prior of α: two pseudo-tokens at one half. */
    private static final double ALPHA_PRIOR = 0.5;
    private static final double ALPHA_PRIOR_WEIGHT = 2;
    /** Weight the past keeps per observed round: measurements average over roughly the last ten rounds. */
    private static final double DECAY = 0.9;
    private static final double COST_PRIOR_WEIGHT = 4;

    private final int maxLength;
    private final int initialLength;
    private final AcceptanceEstimate acceptance = new AcceptanceEstimate(ALPHA_PRIOR, ALPHA_PRIOR_WEIGHT, DECAY);
    private final RoundCostModel rounds;
    private double draftNanosPerToken = Double.NaN;
    private boolean sawFirstRound;
    private boolean sawFirstDraft;
    private VerifierLoad load = VerifierLoad.UNKNOWN;
    private int plainStepsInARow;
    private boolean choseZero;

    /**
     * @param maxLength     K, the longest draft
     * @param initialLength k of the first rounds, before anything is measured (clamped to K)
     * @param marginalCost  prior σ₀: one more drafted token's verify cost relative to a plain round, for a session
     *                      alone in its forward passes (about 0.1 when the verifier is memory-bound)
     */
    public GoodputDraftLength(int maxLength, int initialLength, double marginalCost) {
        if (maxLength < 1 || initialLength < 0) {
            throw new IllegalArgumentException("need max length >= 1 and initial length >= 0");
        }
        if (!(marginalCost >= 0 && marginalCost <= 1)) {
            throw new IllegalArgumentException("marginal cost must be in [0, 1], got " + marginalCost);
        }
        this.maxLength = maxLength;
        this.initialLength = Math.min(initialLength, maxLength);
        this.rounds = new RoundCostModel(marginalCost, COST_PRIOR_WEIGHT, DECAY);
    }

    @Override
    public int nextLength(LoopStats stats) {
        choseZero = false;
        if (!rounds.measured() || Double.isNaN(draftNanosPerToken)) {
            return initialLength;
        }
        if (plainStepsInARow >= PROBE_AFTER) {
            plainStepsInARow = 0;
            return Math.min(PROBE_LENGTH, maxLength);
        }
        int best = bestLength();
        plainStepsInARow = best == 0 ? plainStepsInARow + 1 : 0;
        choseZero = best == 0;
        return best;
    }

    /** After a chosen k = 0: ⌈n / r⌉ − 1 further plain steps, at most K (see the class comment). */
    @Override
    public int extraPlainSteps() {
        if (!choseZero) {
            return 0;
        }
        double network = rounds.networkNanos();
        double step = rounds.baseNanos();
        if (network <= step) {
            return 0;
        }
        return (int) Math.min(maxLength, Math.ceil(network / step) - 1);
    }

    /** argmax over k in 0..K of G(k), ties to the smaller k. */
    int bestLength() {
        double alpha = acceptance.alpha();
        int sharers = load.sharers();
        int best = 0;
        double bestGoodput = goodput(0, alpha, sharers);
        for (int k = 1; k <= maxLength; k++) {
            double g = goodput(k, alpha, sharers);
            if (g > bestGoodput * (1 + 1e-9)) {
                best = k;
                bestGoodput = g;
            }
        }
        return best;
    }

    private double goodput(int k, double alpha, int sharers) {
        return AcceptanceEstimate.expectedTokens(alpha, k) / (k * draftNanosPerToken + rounds.roundNanos(k, sharers));
    }

    @Override
    public void observe(RoundTrace round) {
        load = round.load();
        if (round.draft().length() == 0) {
            plainStepsInARow += round.verdict().extraTokens().length; // a burst's steps count towards the probe
        }
        acceptance.observe(round.draft(), round.verdict());
        if (round.draftedTokens() > 0) {
            if (sawFirstDraft) {
                double perToken = (double) round.draftNanos() / round.draftedTokens();
                draftNanosPerToken = Double.isNaN(draftNanosPerToken) ? perToken
                        : DECAY * draftNanosPerToken + (1 - DECAY) * perToken;
            }
            sawFirstDraft = true;
        }
        if (sawFirstRound) {
            rounds.observe(round.draft().length(), load.sharers(), round.verifyNanos(), round.serverNanos());
        }
        sawFirstRound = true;
    }

    /** The request's acceptance estimate α (diagnostics and tests). */
    public double acceptance() {
        return acceptance.alpha();
    }

    /** Measured draft time per token in nanoseconds; NaN before the second drafting round. */
    public double draftNanosPerToken() {
        return draftNanosPerToken;
    }
}
