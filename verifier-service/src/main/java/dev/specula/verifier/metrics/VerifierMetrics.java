package dev.specula.verifier.metrics;

import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.verify.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Verification metrics with vLLM's speculative-decoding semantics: a draft is one round that drafted at least
 * one token; mean acceptance length = 1 + accepted / drafts.
 */
public final class VerifierMetrics {
    private final Counter drafts;
    private final Counter draftTokens;
    private final Counter acceptedTokens;
    private final Counter rounds;
    private final Counter generatedTokens;
    private final Timer roundLatency;
    private final Counter targetOnlyTokens;
    private final Counter discardedRounds;
    private final ConcurrentHashMap<Integer, Counter> acceptedPerPosition = new ConcurrentHashMap<>();
    private final IntFunction<Counter> perPositionFactory;

    public VerifierMetrics(MeterRegistry registry) {
        drafts = Counter.builder("specula_spec_decode_num_drafts").description("rounds that drafted >= 1 token")
                .register(registry);
        draftTokens = Counter.builder("specula_spec_decode_num_draft_tokens").register(registry);
        acceptedTokens = Counter.builder("specula_spec_decode_num_accepted_tokens").register(registry);
        rounds = Counter.builder("specula_verifier_rounds").description("verification rounds incl. plain steps")
                .register(registry);
        generatedTokens = Counter.builder("specula_verifier_committed_tokens").register(registry);
        roundLatency = Timer.builder("specula_verifier_round_seconds").publishPercentileHistogram()
                .description("time to verify one round, forward pass included").register(registry);
        targetOnlyTokens = Counter.builder("specula_verifier_target_only_tokens").register(registry);
        discardedRounds = Counter.builder("specula_verifier_discarded_rounds")
                .description("pipelined rounds discarded unchecked because the round before fell short").register(registry);
        perPositionFactory = position -> Counter.builder("specula_spec_decode_num_accepted_tokens_per_pos")
                .tag("position", Integer.toString(position)).register(registry);
    }

    /** A target-only generation (the verifier decoding alone, one plain step per token). */
    public void recordTargetOnly(GenerationOutcome outcome) {
        targetOnlyTokens.increment(outcome.stats().generatedTokens());
    }

    /** A pipelined round discarded without a forward pass. */
    public void recordDiscardedRound() {
        discardedRounds.increment();
    }

    public void recordRound(int drafted, Verdict verdict, long nanos) {
        rounds.increment();
        generatedTokens.increment(verdict.committedCount());
        roundLatency.record(Duration.ofNanos(nanos));
        if (drafted > 0) {
            drafts.increment();
            draftTokens.increment(drafted);
            acceptedTokens.increment(verdict.accepted());
            for (int i = 0; i < verdict.accepted(); i++) {
                acceptedPerPosition.computeIfAbsent(i, perPositionFactory::apply).increment();
            }
        }
    }
}
