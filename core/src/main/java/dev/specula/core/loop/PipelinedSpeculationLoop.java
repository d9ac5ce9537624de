package dev.specula.core.loop;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The speculation loop with drafting that hides the round trip (PEARL's idea, across a network): while a
 * verification is in flight the drafter keeps going on the assumption that the whole draft will be accepted,
 * guesses the bonus token too, and sends that continuation at once, up to {@code depth} rounds in flight. When a
 * verdict falls short of the assumption, every continuation chained onto it is dead (the verifier discards it
 * by {@link PipelineGate}'s rule, without cost to the session) and the loop drafts afresh from the verifier's
 * correction. The committed sequence is exactly the one sequential rounds produce, so it stays lossless.
 *
 * <p>A fresh plain round may carry a burst of extra plain steps ({@link DraftLengthPolicy#extraPlainSteps}, or
 * {@link DraftSource#plainStepsAhead} while a drafter that missed its deadline is backed off); no
 * continuation is chained onto it, since nobody can guess where the burst ends.
 *
 * <p>With depth 1 this is the plain loop without entropy switching. On a link whose round trip is long next to
 * a verifier forward, depth 2 roughly doubles the rounds per round trip while drafts keep being accepted.
 */
public final class PipelinedSpeculationLoop {
    /**
     * One submitted round; {@code dead} once an earlier verdict broke its assumption. {@code extraSteps}: plain
     * steps asked of the verifier after a plain round (nothing can be guessed past those: no continuation follows).
     */
    private record InFlight(Draft draft, boolean continuation, boolean dead, long draftNanos, long sentNanos,
                            int extraSteps) {
        InFlight killed() {
            return new InFlight(draft, continuation, true, draftNanos, sentNanos, extraSteps);
        }
    }

    private final DraftSource drafter;
    private final PipelinedVerifierChannel verifier;
    private final DraftLengthPolicy policy;
    private final int depth;
    private final LongSupplier nanoClock;

    /**
     * @param depth most rounds in flight at once (1 = no pipelining)
     */
    public PipelinedSpeculationLoop(DraftSource drafter, PipelinedVerifierChannel verifier, DraftLengthPolicy policy,
                                    int depth, LongSupplier nanoClock) {
        if (depth < 1) {
            throw new IllegalArgumentException("pipeline depth must be at least 1, got " + depth);
        }
        this.drafter = drafter;
        this.verifier = verifier;
        this.policy = policy;
        this.depth = depth;
        this.nanoClock = nanoClock;
    }

    /**
     * Generates until a stop token, the token budget, or cancellation by the sink. Rounds still in flight at the
     * end are abandoned; the caller closes the channel.
     *
     * @param committed the prompt (the channel was opened on the same tokens); grows as tokens commit
     */
    public GenerationOutcome run(TokenSequence committed, SamplingParams params, StopCondition stop, TokenSink sink) {
        LoopStats stats = new LoopStats();
        ArrayDeque<InFlight> flight = new ArrayDeque<>();
        while (true) {
            while (flight.size() < depth) {
                InFlight round = nextRound(flight, committed, params, stop, stats);
                if (round == null) {
                    break;
                }
                verifier.submit(new int[0], round.draft(), round.continuation(), round.extraSteps());
                flight.add(round);
            }
            InFlight head = flight.poll();
            Optional<Verdict> answer = verifier.awaitVerdict();
            if (head.dead()) {
                if (answer.isPresent()) {
                    throw new IllegalStateException("the verifier checked a round whose assumption had failed");
                }
                stats.recordDiscarded(head.draft().length());
                continue;
            }
            Verdict verdict = answer.orElseThrow(
                    () -> new IllegalStateException("the verifier discarded a round whose assumption held"));
            Draft verified = head.continuation() ? head.draft().suffix(1) : head.draft();
            if (verdict.accepted() > verified.length()) {
                throw new IllegalStateException("verifier accepted " + verdict.accepted() + " of "
                        + verified.length() + " drafted tokens");
            }
            if (verdict.extraTokens().length > head.extraSteps()) {
                throw new IllegalStateException("verifier took " + verdict.extraTokens().length
                        + " extra plain steps, asked for " + head.extraSteps());
            }
            policy.observe(RoundTrace.perStep(verified, verdict, verified.length(), head.draftNanos(),
                    nanoClock.getAsLong() - head.sentNanos(), verifier.load(), verifier.lastServerNanos()));
            RoundCommit commit = RoundCommit.commit(RoundCommit.roundTokens(verified, verdict), committed, stop, sink);
            stats.recordRound(verified.length(), verdict.accepted(), commit.emitted());
            if (commit.end() != null) {
                return new GenerationOutcome(commit.end(), stats);
            }
            InFlight following = flight.peek();
            boolean assumptionHeld = verdict.accepted() == verified.length()
                    && following != null && !following.dead() && following.continuation()
                    && following.draft().tokens()[0] == verdict.lastToken();
            if (following != null && !following.dead() && !assumptionHeld) {
                int live = flight.size();
                for (int i = 0; i < live; i++) {
                    flight.add(flight.poll().killed());
                }
            }
        }
    }

    /** The next round to send: a fresh one when nothing live is in flight, else a continuation (null: none). */
    private InFlight nextRound(ArrayDeque<InFlight> flight, TokenSequence committed, SamplingParams params,
                               StopCondition stop, LoopStats stats) {
        for (InFlight round : flight) {
            if (!round.dead() && round.extraSteps() > 0) {
                return null; // a burst's last token cannot be guessed: wait for its verdict
            }
        }
        int[] chain = liveChain(flight);
        boolean continuation = chain != null;
        int budget = stop.maxNewTokens() - committed.generatedLength();
        int k;
        TokenSequence context;
        if (!continuation) {
            // Drafting past the budget is wasted work: the last round needs at most budget - 1 drafts.
            k = Math.min(policy.nextLength(stats), budget - 1);
            context = committed;
        } else {
            for (int t : chain) {
                if (stop.isStopToken(t)) {
                    return null;
                }
            }
            // The live rounds may commit chain.length tokens plus the last one's next token; a continuation's
            // first token is its guess of that next token, then k - 1 drafts and its own next token.
            k = Math.min(policy.nextLength(stats) + 1, budget - chain.length - 1);
            if (k < 1) {
                return null;
            }
            int[] hypothesis = Arrays.copyOf(committed.toArray(), committed.length() + chain.length);
            System.arraycopy(chain, 0, hypothesis, committed.length(), chain.length);
            context = new TokenSequence(hypothesis);
        }
        long start = nanoClock.getAsLong();
        Draft draft = k > 0 ? drafter.draft(context, k, params, policy.stopRule()) : Draft.EMPTY;
        long draftNanos = k > 0 ? nanoClock.getAsLong() - start : 0;
        if (draft.length() > Math.max(k, 0)) {
            throw new IllegalStateException("draft source returned " + draft.length() + " tokens, asked for " + k);
        }
        if (continuation && draft.length() == 0) {
            return null;
        }
        // A fresh plain round may ask for a burst of plain steps (never past the budget).
        int extraSteps = continuation ? 0 : PlainBurst.steps(k, draft, policy, drafter, committed, budget);
        return new InFlight(draft, continuation, false, draftNanos, nanoClock.getAsLong(), extraSteps);
    }

    /**
     * Tokens the live rounds in flight would commit if all their drafts were accepted, before each one's own next
     * token; null when no live round is in flight. The oldest live continuation's guess is committed already.
     */
    private static int[] liveChain(ArrayDeque<InFlight> flight) {
        int[] chain = null;
        boolean first = true;
        for (InFlight round : flight) {
            if (round.dead()) {
                continue;
            }
            Draft part = first && round.continuation() ? round.draft().suffix(1) : round.draft();
            chain = chain == null ? part.tokens().clone() : concat(chain, part.tokens());
            first = false;
        }
        return chain;
    }

    private static int[] concat(int[] head, int[] tail) {
        int[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
