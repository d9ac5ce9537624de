package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RouterClient;
import dev.specula.client.remote.SpeculationOptions;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fixed draft lengths (k = 2, 4, 8) against the adaptive policy (goodput-chosen cap with the calibrated threshold
 * stop rule) and target-only decoding, through the whole mesh at 1, 8 and 32 concurrent sessions: tokens/s of each
 * load and p99 per-token latency. Greedy, fixed-length generations on held-out code.
 *
 * <p>Summary: {@code adaptive_over_best_fixed_c1} (adaptive tokens/s ÷ the best fixed arm's at one session) and
 * {@code worst_ratio_vs_target_only} (the lowest, over the loads, of adaptive tokens/s ÷ target-only tokens/s:
 * speculation must never make a load slower, so the target is ≥ 1.0).
 */
final class AdaptiveKScenario implements Scenario {

    @Override
    public String name() {
        return "adaptive-k";
    }

    @Override
    public String description() {
        return "fixed k vs adaptive draft length vs target-only at several loads: tokens/s and p99 per-token latency";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        PolicyBenchOptions policy = options.policy();
        List<String> prompts = HeldOutPrompts.load(options.prompts(), options.promptChars());
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        double adaptiveOverBestFixed = Double.NaN;
        double worstRatio = Double.POSITIVE_INFINITY;
        try (LocalMesh mesh = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            RouterClient client = connection.client();
            for (Arm arm : arms(policy, options.draftLength())) {
                LoadRun.once(client, arm.request(prompts.get(0), Math.min(32, options.maxTokens()))); // warm-up
            }
            // Every arm at every level then finds the prompts' KV in the verifier's prefix cache; before, the first arm
            // (target-only) paid the prefills of the first level and the others skipped them.
            for (String prompt : prompts) {
                LoadRun.prime(client, prompt);
            }
            for (int sessions : policy.sessions()) {
                Map<String, Double> tokensPerSecond = new LinkedHashMap<>();
                for (Arm arm : arms(policy, options.draftLength())) {
                    LoadRun.Result result = LoadRun.run(client, prompts, sessions,
                            options.engine().requestsPerClient(), prompt -> arm.request(prompt, options.maxTokens()));
                    tokensPerSecond.put(arm.name(), result.tokensPerSecond());
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("sessions", sessions);
                    row.put("arm", arm.name());
                    row.put("tokens_per_second", result.tokensPerSecond());
                    row.put("p50_ms", result.p50Ms());
                    row.put("p99_ms", result.p99Ms());
                    row.putAll(result.tally().columns());
                    rows.add(row);
                    summary.put("tokens_per_second_" + arm.name() + "_c" + sessions, result.tokensPerSecond());
                    summary.put("p99_ms_" + arm.name() + "_c" + sessions, result.p99Ms());
                    if (arm.name().equals("adaptive")) {
                        summary.put("adaptive_mean_k_c" + sessions, result.tally().meanDraftLength());
                    }
                }
                double adaptive = tokensPerSecond.get("adaptive");
                double ratio = adaptive / tokensPerSecond.get("target-only");
                summary.put("adaptive_vs_target_only_c" + sessions, ratio);
                worstRatio = Math.min(worstRatio, ratio);
                if (sessions == 1) {
                    double bestFixed = tokensPerSecond.entrySet().stream()
                            .filter(e -> e.getKey().startsWith("fixed-k"))
                            .mapToDouble(Map.Entry::getValue).max().orElse(Double.NaN);
                    adaptiveOverBestFixed = adaptive / bestFixed;
                }
            }
        }
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("adaptive_over_best_fixed_c1", adaptiveOverBestFixed);
        ordered.put("worst_ratio_vs_target_only", worstRatio);
        ordered.put("max_draft_length", policy.maxDraftLength());
        ordered.put("max_tokens", options.maxTokens());
        ordered.putAll(summary);
        return new BenchReport(name(), MachineInfo.describe(), rows, ordered);
    }

    /** One arm: a name and how it asks for a generation. */
    private record Arm(String name, GenerationMode mode, int draftLength, SpeculationOptions options) {
        RemoteRequest request(String prompt, int maxTokens) {
            return new RemoteRequest(prompt, mode, maxTokens, SamplingParams.GREEDY, draftLength, true, options);
        }
    }

    private static List<Arm> arms(PolicyBenchOptions policy, int initialLength) {
        List<Arm> arms = new ArrayList<>();
        arms.add(new Arm("target-only", GenerationMode.TARGET_ONLY, 0, SpeculationOptions.DEFAULTS));
        for (int k : policy.fixedLengths()) {
            arms.add(new Arm("fixed-k" + k, GenerationMode.SPECULATIVE, k,
                    SpeculationOptions.DEFAULTS.withFixedLengths()));
        }
        arms.add(new Arm("adaptive", GenerationMode.SPECULATIVE, Math.min(initialLength, policy.maxDraftLength()),
                SpeculationOptions.DEFAULTS.withAdaptiveLengths(policy.maxDraftLength())));
        return arms;
    }
}
