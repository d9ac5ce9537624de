package dev.specula.verifier.metrics;

import dev.specula.runtime.engine.BatchListener;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** Continuous-batching metrics, recorded once per scheduler step (one model call). */
public final class BatchMetrics implements BatchListener {
    private final DistributionSummary sessions;
    private final DistributionSummary tokens;
    private final DistributionSummary padding;
    private final Timer step;

    public BatchMetrics(MeterRegistry registry) {
        sessions = DistributionSummary.builder("specula_verifier_batch_size")
                .description("sessions in one batched model call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        tokens = DistributionSummary.builder("specula_verifier_batch_tokens")
                .description("real new tokens in one batched model call")
                .serviceLevelObjectives(1, 4, 16, 64, 256, 512, 1024)
                .register(registry);
        padding = DistributionSummary.builder("specula_verifier_batch_padding_ratio")
                .description("padded / real tokens of one batched model call (1 = no padding)")
                .register(registry);
        step = Timer.builder("specula_verifier_batch_step_seconds")
                .description("wall time of one scheduler step (one model call)")
                .publishPercentileHistogram()
                .register(registry);
    }

    @Override
    public void onStep(int sessions, int tokens, int paddedTokens, long nanos) {
        this.sessions.record(sessions);
        this.tokens.record(tokens);
        this.padding.record(tokens == 0 ? 1 : (double) paddedTokens / tokens);
        this.step.record(nanos, TimeUnit.NANOSECONDS);
    }
}
