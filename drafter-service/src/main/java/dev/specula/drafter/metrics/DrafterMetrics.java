package dev.specula.drafter.metrics;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.verify.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

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
                try {
                    return channel.verify(uncheckedContext, draft);
                } finally {
                    roundLatency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public void close() {
                channel.close();
            }
        };
    }
}
