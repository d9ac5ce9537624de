package dev.specula.drafter.metrics;

import dev.specula.core.loop.DeadlineListener;
import dev.specula.core.loop.Draft;
import dev.specula.core.loop.FinishReason;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.verify.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drafter-side speculation metrics (vLLM semantics: mean acceptance length = 1 + accepted / drafts), per-request
 * tokens/s, and the verification round latency as the loop sees it (network + verifier forward).
 */
public final class DrafterMetrics {
    private final MeterRegistry registry;
    private final Counter drafts;
    private final Counter draftTokens;
    private final Counter acceptedTokens;
    private final Counter generatedTokens;
    private final DistributionSummary acceptanceRate;
    private final DistributionSummary meanAcceptanceLength;
    private final DistributionSummary tokensPerSecond;
    private final Timer roundLatency;
    private final DistributionSummary roundDraftLength;
    private final Counter zeroDraftRounds;
    private final Counter draftLengthChanges;
    private final Counter unverifiedTokens;
    private final Counter largeModelTokens;
    private final Counter modelSwitches;
    private final Counter ngramDrafts;
    private final Counter deadlineMisses;
    private final Counter deadlineSkips;
    private final AtomicInteger openGenerations = new AtomicInteger();

    public DrafterMetrics(MeterRegistry registry) {
        this.registry = registry;
        drafts = Counter.builder("specula_spec_decode_num_drafts").register(registry);
        draftTokens = Counter.builder("specula_spec_decode_num_draft_tokens").register(registry);
        acceptedTokens = Counter.builder("specula_spec_decode_num_accepted_tokens").register(registry);
        generatedTokens = Counter.builder("specula_drafter_generation_tokens").register(registry);
        acceptanceRate = DistributionSummary.builder("specula_drafter_request_acceptance_rate")
                .description("accepted / drafted tokens of each speculative request").register(registry);
        meanAcceptanceLength = DistributionSummary.builder("specula_drafter_request_mean_acceptance_length")
                .description("1 + accepted / drafts of each speculative request").register(registry);
        tokensPerSecond = DistributionSummary.builder("specula_drafter_request_tokens_per_second").register(registry);
        roundLatency = Timer.builder("specula_drafter_round_seconds").publishPercentileHistogram()
                .description("one verification round trip as the loop sees it").register(registry);
        roundDraftLength = DistributionSummary.builder("specula_drafter_round_draft_length")
                .description("tokens drafted per verification round, as the length policy chose (0 = plain step)")
                .register(registry);
        zeroDraftRounds = Counter.builder("specula_drafter_zero_draft_rounds")
                .description("verification rounds the length policy left without drafts").register(registry);
        draftLengthChanges = Counter.builder("specula_drafter_draft_length_changes")
                .description("rounds whose draft length differed from the previous round's").register(registry);
        unverifiedTokens = Counter.builder("specula_drafter_unverified_tokens")
                .description("entropy-adaptive / cascade: tokens committed without verification").register(registry);
        largeModelTokens = Counter.builder("specula_drafter_large_model_tokens")
                .description("tokens the verifier decided (accepted, recovered or bonus)").register(registry);
        modelSwitches = Counter.builder("specula_drafter_model_switches")
                .description("entropy-adaptive hand-overs between the small model and the verifier").register(registry);
        ngramDrafts = Counter.builder("specula_drafter_ngram_drafts")
                .description("rounds drafted by n-gram lookup (n-gram and hybrid sources)").register(registry);
        deadlineMisses = Counter.builder("specula_drafter_step_deadline_misses")
                .description("rounds whose draft missed the draft step deadline (or found the drafter still busy "
                        + "with a late one) and went to the verifier as a plain step").register(registry);
        deadlineSkips = Counter.builder("specula_drafter_step_deadline_skipped_rounds")
                .description("rounds sent without drafting while a drafter that kept missing the deadline is "
                        + "backed off (a backoff is mostly sent as bursts of plain steps, not rounds)")
                .register(registry);
        // A generation holds a drafter KV cache and a verifier session: after a caller vanishes this must drop
        // back, whether its cancellation arrived or a stream error ended the loop (RELIABILITY.md #6, #8).
        Gauge.builder("specula_drafter_open_generations", openGenerations, AtomicInteger::get)
                .description("Generate calls being served (drafting, verifying or streaming)").register(registry);
    }

    /** One Generate call started being served; pair with {@link #generationClosed()}. */
    public void generationOpened() {
        openGenerations.incrementAndGet();
    }

    public void generationClosed() {
        openGenerations.decrementAndGet();
    }

    public int openGenerations() {
        return openGenerations.get();
    }

    /** Counts what the draft step deadline does, for every generation. */
    public DeadlineListener deadlineListener() {
        return new DeadlineListener() {
            @Override
            public void missed() {
                deadlineMisses.increment();
            }

            @Override
            public void skipped() {
                deadlineSkips.increment();
            }
        };
    }

    /** What the policies of one loop generation decided. */
    public void recordPolicies(String mode, String draftSource, String lengthMode, LoopStats stats, long ngram) {
        Counter.builder("specula_drafter_policy_requests").tag("mode", mode).tag("draft_source", draftSource)
                .tag("length_mode", lengthMode).register(registry).increment();
        zeroDraftRounds.increment(stats.zeroDraftRounds());
        draftLengthChanges.increment(stats.draftLengthChanges());
        unverifiedTokens.increment(stats.unverifiedTokens());
        largeModelTokens.increment(stats.generatedTokens() - stats.unverifiedTokens());
        modelSwitches.increment(stats.modelSwitches());
        ngramDrafts.increment(ngram);
    }

    /** A cascade request's decision: escalated to the verifier, or answered by the small model alone. */
    public void recordCascade(boolean escalated) {
        Counter.builder("specula_drafter_cascade_requests").tag("outcome", escalated ? "escalated" : "answered")
                .register(registry).increment();
    }

    /** A cascade answer returned without the verifier: every token is the small model's. */
    public void recordAnswered(FinishReason finishReason, int tokens, double seconds) {
        Counter.builder("specula_drafter_requests").tag("mode", "cascade")
                .tag("finish_reason", finishReason.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).increment();
        generatedTokens.increment(tokens);
        unverifiedTokens.increment(tokens);
        if (seconds > 0) {
            tokensPerSecond.record(tokens / seconds);
        }
    }

    public void recordGeneration(String mode, GenerationOutcome outcome, double seconds) {
        LoopStats stats = outcome.stats();
        Counter.builder("specula_drafter_requests").tag("mode", mode)
                .tag("finish_reason", outcome.finishReason().name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).increment();
        generatedTokens.increment(stats.generatedTokens());
        if (seconds > 0) {
            tokensPerSecond.record(stats.generatedTokens() / seconds);
        }
        if (stats.drafts() > 0) {
            drafts.increment(stats.drafts());
            draftTokens.increment(stats.draftTokens());
            acceptedTokens.increment(stats.acceptedTokens());
            acceptanceRate.record(stats.acceptanceRate());
            meanAcceptanceLength.record(stats.meanAcceptanceLength());
        }
    }

    /** Wraps a verifier channel so each round's latency is recorded. */
    public VerifierChannel timed(VerifierChannel channel) {
        return new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                long start = System.nanoTime();
                roundDraftLength.record(draft.length());
                try {
                    return channel.verify(uncheckedContext, draft);
                } finally {
                    roundLatency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            }

            /** Forwards bursts of plain steps: without this the wrapped channel would never be asked for one. */
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
                long start = System.nanoTime();
                roundDraftLength.record(draft.length());
                try {
                    return channel.verify(uncheckedContext, draft, extraPlainSteps);
                } finally {
                    roundLatency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public VerifierLoad load() {
                return channel.load();
            }

            @Override
            public long lastServerNanos() {
                return channel.lastServerNanos();
            }

            @Override
            public void close() {
                channel.close();
            }
        };
    }
}
