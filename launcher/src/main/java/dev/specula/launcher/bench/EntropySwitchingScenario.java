package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.client.remote.SpeculationOptions;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.runtime.bench.LogLikelihood;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.policy.PolicyProperties;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Entropy-adaptive decoding (lossy, opt-in) over a sweep of the threshold H on held-out prompts, against
 * target-only greedy output: the share of tokens the large model decided, tokens/s (and the speedup over
 * target-only), token agreement with target-only greedy output (the share of positions holding the same token),
 * and the target model's mean log-likelihood of the produced text (scored in process, one forward per text).
 * Draft-only decoding is the other end of the scale. Greedy, fixed-length generations.
 *
 * <p>Summary at the router's default H: {@code large_model_token_fraction}, {@code agreement}, {@code speedup}.
 */
final class EntropySwitchingScenario implements Scenario {

    @Override
    public String name() {
        return "entropy-switching";
    }

    @Override
    public String description() {
        return "entropy-adaptive mode over a sweep of H: large-model token share, tokens/s, agreement, target log-likelihood";
    }

    /** One arm's totals over the prompts. */
    private static final class Tally {
        final PolicyTally policy = new PolicyTally();
        double agreementSum;
        double logLikelihoodSum;
        int texts;

        void add(RemoteResult result, int[] reference, double logLikelihood) {
            policy.add(result);
            agreementSum += EntropySwitchingScenario.agreement(result.tokenIds(), reference);
            logLikelihoodSum += logLikelihood;
            texts++;
        }

        double agreement() {
            return agreementSum / texts;
        }

        double logLikelihood() {
            return logLikelihoodSum / texts;
        }
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        PolicyBenchOptions policy = options.policy();
        double defaultH = PolicyProperties.DEFAULTS.entropyThreshold();
        TreeSet<Double> thresholds = new TreeSet<>(policy.entropyThresholds());
        thresholds.add(defaultH);
        List<String> prompts = HeldOutPrompts.load(options.prompts(), options.promptChars());
        Tally targetOnly = new Tally();
        Tally draftOnly = new Tally();
        Map<Double, Tally> byThreshold = new LinkedHashMap<>();
        thresholds.forEach(h -> byThreshold.put(h, new Tally()));
        try (DecoderModel target = DecoderModel.load(options.mesh().verifierModel());
             TextTokenizer tokenizer = TextTokenizer.load(target.folder());
             LocalMesh mesh = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            RouterClient client = connection.client();
            warmUp(client, prompts.get(0), policy, defaultH);
            for (String prompt : prompts) {
                LoadRun.prime(client, prompt);
                int[] promptTokens = tokenizer.encode(prompt);
                RemoteResult reference = LoadRun.once(client, request(prompt, GenerationMode.TARGET_ONLY,
                        SpeculationOptions.DEFAULTS, options));
                int[] expected = reference.tokenIds();
                targetOnly.add(reference, expected, LogLikelihood.mean(target, promptTokens, expected));
                RemoteResult small = LoadRun.once(client, request(prompt, GenerationMode.DRAFT_ONLY,
                        SpeculationOptions.DEFAULTS, options));
                draftOnly.add(small, expected, LogLikelihood.mean(target, promptTokens, small.tokenIds()));
                for (double h : thresholds) {
                    RemoteResult result = LoadRun.once(client, request(prompt, GenerationMode.ENTROPY_ADAPTIVE,
                            SpeculationOptions.DEFAULTS.withEntropy(policy.entropyWindow(), h), options));
                    byThreshold.get(h).add(result, expected, LogLikelihood.mean(target, promptTokens,
                            result.tokenIds()));
                }
            }
        }
        double baseline = targetOnly.policy.tokensPerSecond();
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("target-only", Double.NaN, targetOnly, baseline));
        byThreshold.forEach((h, tally) -> rows.add(row("entropy-adaptive", h, tally, baseline)));
        rows.add(row("draft-only", Double.NaN, draftOnly, baseline));
        Tally atDefault = byThreshold.get(defaultH);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("large_model_token_fraction", atDefault.policy.largeModelTokenFraction());
        summary.put("agreement", atDefault.agreement());
        summary.put("speedup", atDefault.policy.tokensPerSecond() / baseline);
        summary.put("default_entropy_threshold", defaultH);
        summary.put("entropy_window", policy.entropyWindow() == 0 ? PolicyProperties.DEFAULTS.entropyWindow()
                : policy.entropyWindow());
        summary.put("target_log_likelihood", atDefault.logLikelihood());
        summary.put("target_only_log_likelihood", targetOnly.logLikelihood());
        summary.put("draft_only_log_likelihood", draftOnly.logLikelihood());
        summary.put("draft_only_agreement", draftOnly.agreement());
        summary.put("target_only_tokens_per_second", baseline);
        summary.put("max_tokens", options.maxTokens());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    private static Map<String, Object> row(String arm, double threshold, Tally tally, double baseline) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("arm", arm);
        row.put("entropy_threshold", threshold);
        row.put("large_model_token_fraction", tally.policy.largeModelTokenFraction());
        row.put("tokens_per_second", tally.policy.tokensPerSecond());
        row.put("speedup", tally.policy.tokensPerSecond() / baseline);
        row.put("agreement", tally.agreement());
        row.put("target_log_likelihood", tally.logLikelihood());
        row.put("mean_k", tally.policy.meanDraftLength());
        return row;
    }

    /** Share of positions where the two token sequences hold the same token, over the longer one's length. */
    static double agreement(int[] tokens, int[] reference) {
        int longer = Math.max(tokens.length, reference.length);
        if (longer == 0) {
            return 1.0;
        }
        int same = 0;
        for (int i = 0; i < Math.min(tokens.length, reference.length); i++) {
            same += tokens[i] == reference[i] ? 1 : 0;
        }
        return (double) same / longer;
    }

    private static RemoteRequest request(String prompt, GenerationMode mode, SpeculationOptions speculation,
                                         BenchOptions options) {
        return new RemoteRequest(prompt, mode, options.maxTokens(), SamplingParams.GREEDY, options.draftLength(), true,
                speculation);
    }

    private static void warmUp(RouterClient client, String prompt, PolicyBenchOptions policy, double h) {
        for (GenerationMode mode : new GenerationMode[] {GenerationMode.TARGET_ONLY, GenerationMode.DRAFT_ONLY,
                GenerationMode.ENTROPY_ADAPTIVE}) {
            client.generate(new RemoteRequest(prompt, mode, 16, SamplingParams.GREEDY, 0, true,
                    SpeculationOptions.DEFAULTS.withEntropy(policy.entropyWindow(), h)), piece -> true);
        }
    }
}
