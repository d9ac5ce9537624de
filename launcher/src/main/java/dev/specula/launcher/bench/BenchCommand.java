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
                + "kvstore-throughput.")
public final class BenchCommand implements Callable<Integer> {
    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        for (Scenario s : List.of(new StepCostsScenario(), new SpeedupScenario(), new MeshOverheadScenario(),
                new ConcurrencyScenario(), new KvRestoreScenario(), new KvStoreThroughputScenario())) {
            SCENARIOS.put(s.name(), s);
        }
    }

    @Parameters(index = "0", paramLabel = "SCENARIO",
            description = "step-costs | speedup | mesh-overhead | concurrency | kv-restore | kvstore-throughput")
    String scenario;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Option(names = "--prompts", defaultValue = "8", description = "Held-out prompts (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--max-tokens", defaultValue = "128", description = "Tokens per generation (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--draft-length", defaultValue = "4", description = "k of speculative arms (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--repeats", defaultValue = "5",
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
        BenchReport report = chosen.run(new BenchOptions(models.meshOptions(), prompts, maxTokens, draftLength, promptChars,
                engine));
        report.print(System.out);
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
