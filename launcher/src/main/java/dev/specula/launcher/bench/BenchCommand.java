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
        description = "Run a benchmark scenario: step-costs, speedup, mesh-overhead.")
public final class BenchCommand implements Callable<Integer> {
    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        for (Scenario s : List.of(new StepCostsScenario(), new SpeedupScenario(), new MeshOverheadScenario())) {
            SCENARIOS.put(s.name(), s);
        }
    }

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "step-costs | speedup | mesh-overhead")
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

    @Mixin
    ModelOptions models;

    @Override
    public Integer call() throws Exception {
        Scenario chosen = SCENARIOS.get(scenario);
        if (chosen == null) {
            System.err.println("unknown scenario '" + scenario + "'; known: " + String.join(", ", SCENARIOS.keySet()));
            return 2;
        }
        BenchReport report = chosen.run(new BenchOptions(models.meshOptions(), prompts, maxTokens, draftLength, promptChars));
        report.print(System.out);
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
