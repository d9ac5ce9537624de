package dev.specula.launcher.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What an in-process verifier's meters have counted so far; the difference of two snapshots describes the
 * model calls and prompt-cache use of one benchmark arm.
 *
 * @param steps         batched model calls
 * @param sessions      sessions summed over those calls
 * @param rows          real new tokens (query rows) summed over those calls
 * @param padding       padded / real tokens of each call, summed over those calls
 * @param stepSeconds   wall time of those calls
 * @param promptTokens  prompt tokens in full blocks looked up in the prefix cache
 * @param reusedTokens  of those, tokens taken from the prefix cache or restored from the KV store
 */
record VerifierActivity(long steps, double sessions, double rows, double padding, double stepSeconds,
                        double promptTokens, double reusedTokens) {

    static VerifierActivity of(MeterRegistry meters) {
        DistributionSummary batches = meters.find("specula_verifier_batch_size").summary();
        DistributionSummary tokens = meters.find("specula_verifier_batch_tokens").summary();
        DistributionSummary padding = meters.find("specula_verifier_batch_padding_ratio").summary();
        Timer step = meters.find("specula_verifier_batch_step_seconds").timer();
        return new VerifierActivity(batches == null ? 0 : batches.count(),
                batches == null ? 0 : batches.totalAmount(),
                tokens == null ? 0 : tokens.totalAmount(),
                padding == null ? 0 : padding.totalAmount(),
                step == null ? 0 : step.totalTime(TimeUnit.SECONDS),
                counted(meters, "specula_verifier_prefix_cache_query_tokens"),
                counted(meters, "specula_verifier_prefix_cache_hit_tokens")
                        + counted(meters, "specula_verifier_restored_tokens"));
    }

    VerifierActivity since(VerifierActivity before) {
        return new VerifierActivity(steps - before.steps, sessions - before.sessions, rows - before.rows,
                padding - before.padding, stepSeconds - before.stepSeconds, promptTokens - before.promptTokens,
                reusedTokens - before.reusedTokens);
    }

    /** Per-call averages, the model's share of {@code wallSeconds}, and the share of prompt tokens reused. */
    void describe(double wallSeconds, Map<String, Object> row) {
        if (steps > 0) {
            row.put("mean_batch_sessions", sessions / steps);
            row.put("mean_step_rows", rows / steps);
            row.put("mean_padding_ratio", padding / steps);
            row.put("mean_step_ms", stepSeconds * 1000 / steps);
        }
        // Near 1, the verifier's model is the bottleneck.
        row.put("verifier_busy", stepSeconds / wallSeconds);
        row.put("prompt_tokens_reused", promptTokens > 0 ? reusedTokens / promptTokens : 0.0);
    }

    private static double counted(MeterRegistry meters, String name) {
        FunctionCounter counter = meters.find(name).functionCounter();
        return counter == null ? 0 : counter.count();
    }
}
