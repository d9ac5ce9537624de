package dev.specula.launcher.bench;

import dev.specula.launcher.cli.ModelOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code specula bench SCENARIO [--json FILE]}: prints a table; --json also writes the report. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a benchmark scenario: step-costs, speedup, mesh-overhead, concurrency, kv-restore, "
                + "kvstore-throughput, adaptive-k, entropy-switching, ngram-editing, edge-rtt, frontdoor.")
public final class BenchCommand implements Callable<Integer> {
    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        for (Scenario s : List.of(new StepCostsScenario(), new SpeedupScenario(), new MeshOverheadScenario(),
                new ConcurrencyScenario(), new KvRestoreScenario(), new KvStoreThroughputScenario(),
                new AdaptiveKScenario(), new EntropySwitchingScenario(), new NgramEditingScenario(),
                new EdgeRttScenario(), new FrontDoorScenario())) {
            SCENARIOS.put(s.name(), s);
        }
    }

    @Parameters(index = "0", paramLabel = "SCENARIO",
            description = "step-costs | speedup | mesh-overhead | concurrency | kv-restore | kvstore-throughput | "
                    + "adaptive-k | entropy-switching | ngram-editing | edge-rtt | frontdoor")
    String scenario;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Option(names = "--prompts", defaultValue = "8", description = "Held-out prompts (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--max-tokens", defaultValue = "128", description = "Tokens per generation (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--draft-length", defaultValue = "8", description = "k of speculative arms (default: ${DEFAULT-VALUE}).")
    int draftLength;

    @Option(names = "--prompt-chars", defaultValue = "600", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptChars;

    @Option(names = "--levels", split = ",", defaultValue = "1,4,16,32",
            description = "concurrency: concurrent sessions per arm (default: ${DEFAULT-VALUE}).")
    List<Integer> levels;

    @Option(names = "--requests-per-client", defaultValue = "2",
            description = "concurrency: generations per client and arm (default: ${DEFAULT-VALUE}).")
    int requestsPerClient;

    @Option(names = "--lengths", split = ",", defaultValue = "256,1024,2048",
            description = "kv-restore: prompt lengths in tokens (default: ${DEFAULT-VALUE}).")
    List<Integer> lengths;

    @Option(names = "--repeats", defaultValue = "9",
            description = "kv-restore: measurements per arm, median reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--store-total-mib", defaultValue = "512",
            description = "kvstore-throughput: MiB moved per direction (default: ${DEFAULT-VALUE}).")
    int storeTotalMib;

    @Option(names = "--store-batch-kib", defaultValue = "1024",
            description = "kvstore-throughput: KiB per PutBlocks message / GetBlocks call (default: ${DEFAULT-VALUE}).")
    int storeBatchKib;

    @Option(names = "--store-block-kib", defaultValue = "64",
            description = "kvstore-throughput: KiB per block (default: ${DEFAULT-VALUE}).")
    int storeBlockKib;

    @Option(names = "--gets-in-flight", defaultValue = "4",
            description = "kvstore-throughput: concurrent GetBlocks calls (default: ${DEFAULT-VALUE}).")
    int getsInFlight;

    @Option(names = "--sessions", split = ",", defaultValue = "1,8,32",
            description = "adaptive-k: concurrent sessions per arm (default: ${DEFAULT-VALUE}).")
    List<Integer> sessions;

    @Option(names = "--fixed-lengths", split = ",", defaultValue = "2,4,8",
            description = "adaptive-k: k of the fixed arms (default: ${DEFAULT-VALUE}).")
    List<Integer> fixedLengths;

    @Option(names = "--max-draft-length", defaultValue = "8",
            description = "adaptive-k, ngram-editing: K of the adaptive arms (default: ${DEFAULT-VALUE}).")
    int maxDraftLength;

    @Option(names = "--entropy-thresholds", split = ",", defaultValue = "0.25,0.5,1,1.5,2,3",
            description = "entropy-switching: H values in nats; the router's default H is added (default: "
                    + "${DEFAULT-VALUE}).")
    List<Double> entropyThresholds;

    @Option(names = "--entropy-window", defaultValue = "0",
            description = "entropy-switching: W; 0 = the router's (default: ${DEFAULT-VALUE}).")
    int entropyWindow;

    @Option(names = "--ngram-min", defaultValue = "0",
            description = "ngram-editing: shortest n-gram match in tokens; 0 = the router's (default: ${DEFAULT-VALUE}).")
    int ngramMin;

    @Option(names = "--ngram-max", defaultValue = "0",
            description = "ngram-editing: longest n-gram match compared; 0 = the router's (default: ${DEFAULT-VALUE}).")
    int ngramMax;

    @Option(names = "--lead-lines", defaultValue = "3",
            description = "ngram-editing: code lines already rewritten in each prompt (default: ${DEFAULT-VALUE}).")
    int leadLines;

    @Option(names = "--rtts", split = ",", defaultValue = "0,10,40,100",
            description = "edge-rtt: round-trip times in ms injected before the router (default: ${DEFAULT-VALUE}).")
    List<Integer> rtts;

    @Option(names = "--edge-clients", split = ",", defaultValue = "1,16",
            description = "edge-rtt: concurrent clients per arm (default: ${DEFAULT-VALUE}).")
    List<Integer> edgeClients;

    @Option(names = "--edge-max-draft-length", defaultValue = "8",
            description = "edge-rtt: K of the edge arms' adaptive draft length (default: ${DEFAULT-VALUE}).")
    int edgeMaxDraftLength;

    @Option(names = "--edge-length-mode", defaultValue = "fixed",
            description = "edge-rtt: adaptive (goodput policy up to --edge-max-draft-length) or fixed "
                    + "(--draft-length) draft lengths (default: ${DEFAULT-VALUE}).")
    String edgeLengthMode;

    @Mixin
    ModelOptions models;

    @Override
    public Integer call() throws Exception {
        Scenario chosen = SCENARIOS.get(scenario);
        if (chosen == null) {
            System.err.println("unknown scenario '" + scenario + "'; known: " + String.join(", ", SCENARIOS.keySet()));
            return 2;
        }
        EngineBenchOptions engine = new EngineBenchOptions(levels, requestsPerClient, lengths, repeats, storeTotalMib,
                storeBatchKib, storeBlockKib, getsInFlight);
        PolicyBenchOptions policy = new PolicyBenchOptions(sessions, fixedLengths, maxDraftLength, entropyThresholds,
                entropyWindow, ngramMin, ngramMax, leadLines);
        EdgeBenchOptions edge = new EdgeBenchOptions(rtts, edgeClients, edgeMaxDraftLength,
                !"fixed".equalsIgnoreCase(edgeLengthMode));
        BenchReport report = chosen.run(new BenchOptions(models.meshOptions(), prompts, maxTokens, draftLength, promptChars,
                engine, policy, edge));
        report.print(System.out);
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
