package dev.specula.launcher.cli;

import com.google.gson.GsonBuilder;
import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.PolicyReport;
import dev.specula.client.remote.SpeculationOptions;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.policy.CascadeMetric;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.mesh.LocalMesh;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code specula generate}: starts the four services in this JVM on free loopback ports, generates through the
 * router over gRPC, then runs the same prompt target-only to show what speculation bought.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with the bundled models through the local mesh.")
public final class GenerateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PROMPT", description = "Text to continue.")
    String prompt;

    @Option(names = "--mode", defaultValue = "speculative", converter = ModeConverter.class,
            description = "speculative | target-only | draft-only | entropy-adaptive | cascade (default: ${DEFAULT-VALUE}).")
    GenerationMode mode;

    @Option(names = "--max-tokens", defaultValue = "128", description = "New tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Request seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--draft-length", defaultValue = "0", description = "Fixed k; 0 = server default.")
    int draftLength;

    @Option(names = "--draft-source", description = "model | ngram | hybrid; default: the router's.")
    DraftSourceKind draftSource;

    @Option(names = "--length-policy", description = "fixed | adaptive draft lengths; default: the router's.")
    DraftLengthMode lengthPolicy;

    @Option(names = "--max-draft-length", defaultValue = "0",
            description = "Adaptive K (and the cascade's escalation chunk); 0 = the router's.")
    int maxDraftLength;

    @Option(names = "--stop-threshold", defaultValue = "NaN",
            description = "Adaptive: draft while P(all drafted tokens accepted) >= this; default: the router's.")
    double stopThreshold;

    @Option(names = "--entropy-window", defaultValue = "0", description = "Entropy-adaptive W; 0 = the router's.")
    int entropyWindow;

    @Option(names = "--entropy-threshold", defaultValue = "NaN",
            description = "Entropy-adaptive H in nats; default: the router's.")
    double entropyThreshold;

    @Option(names = "--cascade-metric", description = "Cascade score: mean_entropy | min_probability.")
    CascadeMetric cascadeMetric;

    @Option(names = "--cascade-threshold", defaultValue = "NaN", description = "Cascade threshold on that score.")
    double cascadeThreshold;

    @Option(names = "--json", description = "Print one JSON object instead of text and stats.")
    boolean json;

    @Mixin
    ModelOptions models;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        GenerationMode requested = mode;
        RemoteRequest request = new RemoteRequest(prompt, requested, maxTokens,
                new SamplingParams(temperature, topK, topP, seed), draftLength, false, options());
        try (LocalMesh mesh = LocalMesh.start(models.meshOptions());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            RouterClient client = connection.client();
            warmUp(client, request);
            if (!json) {
                out.print(prompt);
                out.flush();
            }
            RemoteResult result = client.generate(request, piece -> {
                if (!json) {
                    out.print(piece);
                    out.flush();
                }
                return true;
            });
            RemoteResult baseline = requested == GenerationMode.TARGET_ONLY ? result
                    : client.generate(request.withMode(GenerationMode.TARGET_ONLY), piece -> true);
            report(out, result, baseline);
        }
        return 0;
    }

    /** Parses {@code --mode} while the options are parsed: a typo is a usage error, before any service starts. */
    static final class ModeConverter implements CommandLine.ITypeConverter<GenerationMode> {
        @Override
        public GenerationMode convert(String value) {
            try {
                return GenerationMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private SpeculationOptions options() {
        return new SpeculationOptions(draftSource, lengthPolicy, maxDraftLength, stopThreshold, 0, 0, entropyWindow,
                entropyThreshold, cascadeMetric, cascadeThreshold);
    }

    /** One short run per mode first, so JIT and ONNX Runtime warm-up do not bias the comparison. */
    private static void warmUp(RouterClient client, RemoteRequest request) {
        client.generate(request.withMaxTokens(8), piece -> true);
        client.generate(request.withMode(GenerationMode.TARGET_ONLY).withMaxTokens(8), piece -> true);
    }

    private void report(PrintStream out, RemoteResult result, RemoteResult baseline) {
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("text", result.text());
            fields.put("mode", result.mode().label());
            fields.put("tokens", result.completionTokens());
            fields.put("acceptance_rate", result.acceptanceRate());
            fields.put("mean_accepted_length", result.meanAcceptanceLength());
            fields.put("tokens_per_second", result.tokensPerSecond());
            fields.put("target_only_tokens_per_second", baseline.tokensPerSecond());
            fields.put("finish_reason", result.finishReason());
            if (!result.fallbackReason().isEmpty()) {
                fields.put("fallback_reason", result.fallbackReason());
            }
            PolicyReport policy = result.policy();
            fields.put("draft_source", policy.draftSource());
            fields.put("draft_length_mode", policy.lengthMode());
            fields.put("mean_draft_length", policy.meanDraftLength());
            fields.put("zero_draft_rounds", policy.zeroDraftRounds());
            fields.put("draft_length_changes", policy.draftLengthChanges());
            fields.put("large_model_token_fraction", policy.largeModelTokenFraction());
            fields.put("unverified_tokens", policy.unverifiedTokens());
            fields.put("model_switches", policy.modelSwitches());
            fields.put("escalations", policy.escalations());
            fields.put("ngram_drafts", policy.ngramDrafts());
            out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(fields));
            return;
        }
        out.println();
        out.println();
        out.printf("mode: %s   tokens: %d   finish: %s%n", result.mode().label(), result.completionTokens(),
                result.finishReason());
        if (!result.fallbackReason().isEmpty()) {
            out.println("fallback: " + result.fallbackReason());
        }
        out.printf("acceptance rate: %.3f   mean accepted length: %.2f%n", result.acceptanceRate(),
                result.meanAcceptanceLength());
        PolicyReport policy = result.policy();
        if (!policy.draftSource().isEmpty()) {
            out.printf("drafts: %s, %s lengths   mean k: %.2f   k = 0 rounds: %d   k changes: %d   n-gram drafts: %d%n",
                    policy.draftSource(), policy.lengthMode(), policy.meanDraftLength(), policy.zeroDraftRounds(),
                    policy.draftLengthChanges(), policy.ngramDrafts());
        }
        if (result.mode() == GenerationMode.ENTROPY_ADAPTIVE || result.mode() == GenerationMode.CASCADE) {
            out.printf("large-model token share: %.3f   unverified tokens: %d   switches: %d   escalated: %s%n",
                    policy.largeModelTokenFraction(), policy.unverifiedTokens(), policy.modelSwitches(),
                    policy.escalations() > 0 ? "yes" : "no");
        }
        out.printf("tokens/s: %.1f   target-only tokens/s (same prompt): %.1f   ratio: %.2fx%n",
                result.tokensPerSecond(), baseline.tokensPerSecond(),
                result.tokensPerSecond() / Math.max(1e-9, baseline.tokensPerSecond()));
    }
}
