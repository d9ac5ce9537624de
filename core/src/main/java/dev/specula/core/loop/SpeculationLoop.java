package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The speculation loop: draft k, verify, commit the accepted prefix plus one recovered-or-bonus token, repeat.
 * It runs where the drafter runs (drafter service, or an edge device); its only remote call is one
 * {@link VerifierChannel#verify} per round. The draft source re-synchronises itself to the committed
 * sequence on each call, so rollback after a rejection needs no extra step here.
 *
 * <p>Policies steer it without changing its shape: the {@link DraftLengthPolicy} chooses k, may end a draft
 * early and learns from each round's trace; the {@link SwitchingPolicy} may let a leading part of a draft commit
 * unverified (entropy-adaptive mode only), in which case those tokens travel to the verifier as unchecked
 * context with the next verification, and a draft committed unverified in full needs no verification at all.
 * When the length policy chooses a plain step it may also ask for {@linkplain DraftLengthPolicy#extraPlainSteps
 * extra plain steps} on the verifier in the same round trip; they commit as that many plain rounds would. So may a
 * draft source that sits rounds out ({@link DraftSource#plainStepsAhead}, e.g. a {@link DeadlineDraftSource}
 * backing off a drafter that misses its deadline).
 */
public final class SpeculationLoop {
    private static final int[] NO_TOKENS = new int[0];

    private final DraftSource drafter;
    private final VerifierChannel verifier;
    private final DraftLengthPolicy policy;
    private final SwitchingPolicy switching;
    private final LongSupplier nanoClock;
    private final RoundListener listener;

    /** A lossless loop (every drafted token is verified) timed by {@link System#nanoTime()}. */
    public SpeculationLoop(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy) {
        this(drafter, verifier, policy, AlwaysVerify.INSTANCE, System::nanoTime);
    }

    /**
     * @param switching which drafted tokens may commit unverified ({@link AlwaysVerify} keeps the loop lossless)
     * @param nanoClock monotonic nanoseconds, for the round timings the length policy learns from
     */
    public SpeculationLoop(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                           SwitchingPolicy switching, LongSupplier nanoClock) {
        this(drafter, verifier, policy, switching, nanoClock, RoundListener.NONE);
    }

    /** As above, telling {@code listener} about each round (e.g. to trace it). */
    public SpeculationLoop(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                           SwitchingPolicy switching, LongSupplier nanoClock, RoundListener listener) {
        this.drafter = drafter;
        this.verifier = verifier;
        this.policy = policy;
        this.switching = switching;
        this.nanoClock = nanoClock;
        this.listener = listener;
    }

    /**
     * Generates until a stop token, the token budget, or cancellation by the sink.
     *
     * @param committed the prompt (the verifier channel was opened on the same tokens); grows as tokens commit
     */
    public GenerationOutcome run(TokenSequence committed, SamplingParams params, StopCondition stop, TokenSink sink) {
        Run run = new Run(committed, params, stop, sink);
        for (int round = 1; ; round++) {
            listener.started(round);
            GenerationOutcome end;
            try {
                end = run.round();
            } catch (RuntimeException | Error e) {
                listener.ended(e);
                throw e;
            }
            listener.ended(null);
            if (end != null) {
                return end;
            }
        }
    }

    /** One generation's progress. */
    private final class Run {
        private final TokenSequence committed;
        private final SamplingParams params;
        private final StopCondition stop;
        private final TokenSink sink;
        private final LoopStats stats = new LoopStats();
        /** Tokens committed unverified since the last verification: context for the next one. */
        private int[] unchecked = NO_TOKENS;

        Run(TokenSequence committed, SamplingParams params, StopCondition stop, TokenSink sink) {
            this.committed = committed;
            this.params = params;
            this.stop = stop;
            this.sink = sink;
        }

        /** Drafts, verifies and commits once; returns how the generation ended, or null to go on. */
        GenerationOutcome round() {
            int budget = stop.maxNewTokens() - committed.generatedLength();
            // Drafting past the budget is wasted work: the last round needs at most budget - 1 drafts.
            int k = Math.min(policy.nextLength(stats), budget - 1);
            long draftStart = nanoClock.getAsLong();
            Draft draft = k > 0 ? drafter.draft(committed, k, params, policy.stopRule()) : Draft.EMPTY;
            long draftNanos = k > 0 ? nanoClock.getAsLong() - draftStart : 0;
            if (draft.length() > Math.max(k, 0)) {
                throw new IllegalStateException("draft source returned " + draft.length() + " tokens, asked for " + k);
            }
            int drafted = draft.length();
            int unverified = switching.unverifiedPrefix(draft);
            if (unverified < 0 || unverified > drafted) {
                throw new IllegalStateException("switching policy trusted " + unverified + " of " + drafted + " tokens");
            }
            if (unverified > 0) {
                int[] trusted = Arrays.copyOf(draft.tokens(), unverified);
                RoundCommit commit = RoundCommit.commit(trusted, committed, stop, sink);
                stats.recordUnverified(commit.emitted());
                unchecked = concat(unchecked, trusted, commit.emitted());
                if (commit.end() != null) {
                    return new GenerationOutcome(commit.end(), stats);
                }
                draft = draft.suffix(unverified);
                if (draft.length() == 0) {
                    return null;
                }
            }
            // A plain step may come with a burst of further plain steps on the verifier (never past the budget):
            // as the policy asks, or as many as a backed-off draft source will sit out.
            int extraSteps = PlainBurst.steps(k, draft, policy, drafter, committed, budget);
            long verifyStart = nanoClock.getAsLong();
            Verdict verdict = extraSteps > 0 ? verifier.verify(unchecked, draft, extraSteps)
                    : verifier.verify(unchecked, draft);
            long verifyNanos = nanoClock.getAsLong() - verifyStart;
            unchecked = NO_TOKENS;
            if (verdict.accepted() > draft.length()) {
                // A remote verifier is input like any other: never index the draft with its word alone.
                throw new IllegalStateException("verifier accepted " + verdict.accepted() + " of "
                        + draft.length() + " drafted tokens");
            }
            if (verdict.extraTokens().length > extraSteps) {
                throw new IllegalStateException("verifier took " + verdict.extraTokens().length
                        + " extra plain steps, asked for " + extraSteps);
            }
            RoundTrace trace = RoundTrace.perStep(draft, verdict, drafted, draftNanos, verifyNanos, verifier.load(),
                    verifier.lastServerNanos());
            policy.observe(trace);
            switching.observe(draft, verdict);
            RoundCommit commit = RoundCommit.commit(RoundCommit.roundTokens(draft, verdict), committed, stop, sink);
            stats.recordRound(draft.length(), verdict.accepted(), commit.emitted());
            listener.verified(trace, commit.emitted());
            return commit.end() == null ? null : new GenerationOutcome(commit.end(), stats);
        }
    }

    private static int[] concat(int[] head, int[] tail, int tailLength) {
        int[] all = Arrays.copyOf(head, head.length + tailLength);
        System.arraycopy(tail, 0, all, head.length, tailLength);
        return all;
    }
}
