package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.runtime.bench.StepCosts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Speculative vs target-only tokens/s through the mesh on held-out code prompts, greedy and at temperature 0.8,
 * arms interleaved prompt by prompt so machine noise hits all of them alike. Also reports the ideal speedup of
 * DESIGN.md section 2 from the measured acceptance and cost ratio.
 */
final class SpeedupScenario implements Scenario {
    private static final double SAMPLED_TEMPERATURE = 0.8;

    @Override
    public String name() {
        return "speedup";
    }

    @Override
    public String description() {
        return "speculative vs target-only tokens/s, greedy and sampled, on held-out prompts (each prompt's blocks "
                + "in the verifier's prefix cache for every arm; for cold, turn off the prefix cache and the KV store: "
                + "--verifier-property prefix-cache-bytes=0 --verifier-property spring.grpc.client.channel.kvstore.target=)";
    }

    @Override
    public BenchReport run(BenchOptions options) {
        List<String> prompts = HeldOutPrompts.load(options.prompts(), options.promptChars());
        StepCosts costs = StepCostsScenario.measure(options);
        Throughput specGreedy = new Throughput();
        Throughput targetGreedy = new Throughput();
        Throughput specSampled = new Throughput();
        Throughput targetSampled = new Throughput();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (LocalMesh mesh = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            RouterClient client = connection.client();
            warmUp(client, prompts, options);
            for (int i = 0; i < prompts.size(); i++) {
                LoadRun.prime(client, prompts.get(i));
                SamplingParams greedy = SamplingParams.GREEDY;
                SamplingParams sampled = new SamplingParams(SAMPLED_TEMPERATURE, 0, 1.0, 1000 + i);
                rows.add(run(client, i, prompts.get(i), GenerationMode.SPECULATIVE, greedy, options, specGreedy));
                rows.add(run(client, i, prompts.get(i), GenerationMode.TARGET_ONLY, greedy, options, targetGreedy));
                rows.add(run(client, i, prompts.get(i), GenerationMode.SPECULATIVE, sampled, options, specSampled));
                rows.add(run(client, i, prompts.get(i), GenerationMode.TARGET_ONLY, sampled, options, targetSampled));
            }
        }
        double alpha = specGreedy.acceptanceRate();
        double c = costs.drafterOverVerifier();
        int gamma = options.draftLength();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("speedup_greedy", specGreedy.tokensPerSecond() / targetGreedy.tokensPerSecond());
        summary.put("speedup_sampled", specSampled.tokensPerSecond() / targetSampled.tokensPerSecond());
        summary.put("acceptance_rate_greedy", alpha);
        summary.put("acceptance_rate_sampled", specSampled.acceptanceRate());
        summary.put("mean_accepted_length", specGreedy.meanAcceptedLength());
        summary.put("draft_length", gamma);
        summary.put("cost_ratio_c", c);
        summary.put("ideal_speedup", idealSpeedup(alpha, gamma, c));
        summary.put("efficiency", (double) summary.get("speedup_greedy") / idealSpeedup(alpha, gamma, c));
        summary.put("spec_greedy_tokens_per_second", specGreedy.tokensPerSecond());
        summary.put("target_greedy_tokens_per_second", targetGreedy.tokensPerSecond());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    /** (1 − α^(γ+1)) / ((1 − α)(γc + 1)); the α → 1 limit is (γ + 1) / (γc + 1). */
    static double idealSpeedup(double alpha, int gamma, double c) {
        double tokensPerRound = alpha >= 1.0 ? gamma + 1 : (1 - Math.pow(alpha, gamma + 1)) / (1 - alpha);
        return tokensPerRound / (gamma * c + 1);
    }

    /**
     * Full-length generations of both modes, greedy and sampled, on texts of their own first line (no prefix-cache
     * block of a measured prompt is made): the speculative path runs more code (drafter service, session stream)
     * than target-only streaming, and a short warm-up leaves it partly interpreted during the first measured
     * prompts.
     */
    private static void warmUp(RouterClient client, List<String> prompts, BenchOptions options) {
        for (String prompt : prompts.subList(0, Math.min(3, prompts.size()))) {
            for (GenerationMode mode : new GenerationMode[] {GenerationMode.SPECULATIVE, GenerationMode.TARGET_ONLY}) {
                for (SamplingParams params : new SamplingParams[] {SamplingParams.GREEDY,
                        new SamplingParams(SAMPLED_TEMPERATURE, 0, 1.0, 7)}) {
                    client.generate(new RemoteRequest("// warm-up\n" + prompt, mode, options.maxTokens(), params,
                            options.draftLength(), true), piece -> true);
                }
            }
        }
    }

    private static Map<String, Object> run(RouterClient client, int index, String prompt, GenerationMode mode,
                                           SamplingParams params, BenchOptions options, Throughput arm) {
        RemoteResult result = client.generate(
                new RemoteRequest(prompt, mode, options.maxTokens(), params, options.draftLength(), true), piece -> true);
        arm.add(result.completionTokens(), result.elapsedSeconds());
        arm.addSpeculation(result.drafts(), result.draftTokens(), result.acceptedTokens());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("prompt", index);
        row.put("mode", mode.label());
        row.put("temperature", params.temperature());
        row.put("tokens", result.completionTokens());
        row.put("tokens_per_second", result.tokensPerSecond());
        row.put("acceptance_rate", result.acceptanceRate());
        row.put("mean_accepted_length", result.meanAcceptanceLength());
        return row;
    }
}
