package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.client.remote.SpeculationOptions;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model-free drafting on an editing-style prompt set ({@link EditingPrompts}: code quoted, then its rewrite
 * begun): n-gram lookup (run next to the verifier), the draft model, and the hybrid (lookup first when it has a
 * long enough match and pays off, else the model), each with fixed k and with adaptive lengths, against
 * target-only. Greedy, so every arm must reproduce target-only's tokens exactly; arms interleaved prompt by prompt.
 *
 * <p>Summary: {@code speedup_<source>_<lengths>} (tokens/s ÷ target-only's), the acceptance of each, and
 * {@code identical_output}.
 */
final class NgramEditingScenario implements Scenario {

    @Override
    public String name() {
        return "ngram-editing";
    }

    @Override
    public String description() {
        return "n-gram vs model vs hybrid drafting on editing prompts that quote the code they rewrite";
    }

    /** One arm: a name and how it asks for a generation. */
    private record Arm(String name, GenerationMode mode, int draftLength, SpeculationOptions options) {
        RemoteRequest request(String prompt, int maxTokens) {
            return new RemoteRequest(prompt, mode, maxTokens, SamplingParams.GREEDY, draftLength, true, options);
        }
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        PolicyBenchOptions policy = options.policy();
        List<String> prompts = EditingPrompts.load(options.prompts(), options.promptChars(), policy.leadLines());
        List<Arm> arms = arms(options, policy);
        Map<String, PolicyTally> tallies = new LinkedHashMap<>();
        arms.forEach(arm -> tallies.put(arm.name(), new PolicyTally()));
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean identical = true;
        try (LocalMesh mesh = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            RouterClient client = connection.client();
            for (Arm arm : arms) {
                LoadRun.once(client, arm.request(prompts.get(0), Math.min(32, options.maxTokens()))); // warm-up
            }
            for (int i = 0; i < prompts.size(); i++) {
                LoadRun.prime(client, prompts.get(i));
                int[] expected = null;
                for (Arm arm : arms) {
                    RemoteResult result = LoadRun.once(client, arm.request(prompts.get(i), options.maxTokens()));
                    tallies.get(arm.name()).add(result);
                    if (expected == null) {
                        expected = result.tokenIds();
                    }
                    boolean same = Arrays.equals(expected, result.tokenIds());
                    identical &= same;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("prompt", i);
                    row.put("arm", arm.name());
                    row.put("tokens_per_second", result.tokensPerSecond());
                    row.put("acceptance_rate", result.acceptanceRate());
                    row.put("mean_accepted_length", result.meanAcceptanceLength());
                    row.put("mean_k", result.policy().meanDraftLength());
                    row.put("ngram_drafts", result.policy().ngramDrafts());
                    row.put("same_as_target_only", same);
                    rows.add(row);
                }
            }
        }
        double baseline = tallies.get("target-only").tokensPerSecond();
        Map<String, Object> summary = new LinkedHashMap<>();
        tallies.forEach((name, tally) -> {
            if (!name.equals("target-only")) {
                summary.put("speedup_" + name, tally.tokensPerSecond() / baseline);
            }
        });
        tallies.forEach((name, tally) -> {
            if (!name.equals("target-only")) {
                summary.put("acceptance_" + name, tally.acceptanceRate());
            }
        });
        summary.put("identical_output", identical);
        summary.put("target_only_tokens_per_second", baseline);
        summary.put("draft_length", options.draftLength());
        summary.put("max_draft_length", policy.maxDraftLength());
        summary.put("ngram_min", policy.ngramMin());
        summary.put("ngram_max", policy.ngramMax());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    private static List<Arm> arms(BenchOptions options, PolicyBenchOptions policy) {
        List<Arm> arms = new ArrayList<>();
        arms.add(new Arm("target-only", GenerationMode.TARGET_ONLY, 0, SpeculationOptions.DEFAULTS));
        int k = options.draftLength();
        int initial = Math.min(k, policy.maxDraftLength());
        for (DraftSourceKind source : List.of(DraftSourceKind.NGRAM, DraftSourceKind.MODEL, DraftSourceKind.HYBRID)) {
            SpeculationOptions base = SpeculationOptions.DEFAULTS.withDraftSource(source)
                    .withNgram(policy.ngramMin(), policy.ngramMax());
            String label = source.name().toLowerCase(java.util.Locale.ROOT);
            arms.add(new Arm(label + "_fixed", GenerationMode.SPECULATIVE, k, base.withFixedLengths()));
            arms.add(new Arm(label + "_adaptive", GenerationMode.SPECULATIVE, initial,
                    base.withAdaptiveLengths(policy.maxDraftLength())));
        }
        return arms;
    }
}
