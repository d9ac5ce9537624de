package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Verifier-backed speculative generation through the whole mesh (client → router → drafter ⇄ verifier) at
 * several numbers of concurrent sessions. Total tokens/s shows what continuous batching buys (ideally the
 * verifier's step costs about the same for 16 sessions as for 1, so throughput scales); per-token latency
 * (gap between streamed chunks / tokens in the chunk) shows what each session pays for sharing the model.
 */
final class ConcurrencyScenario implements Scenario {
    private static final int MIN_REQUESTS = 8;
    /**
     * Warm-up at the highest level, by time: the mesh's JIT compilation takes tens of seconds on 2 cores. After
     * 30 s, 1 and 16 sessions ran at 750 and 1922 tokens/s, where a single warm-up round gave 531–642 and
     * 1490–1550 (the ratio moved less: 2.56 against 2.41–2.81), when every level but the first re-sent cached
     * prompts.
     */
    private static final Duration WARMUP = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "concurrency";
    }

    @Override
    public String description() {
        return "speculative tokens/s and per-token latency at 1, 4, 16, 32 concurrent sessions (continuous batching)";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        EngineBenchOptions engine = options.engine();
        List<String> prompts = HeldOutPrompts.load(options.prompts(), options.promptChars());
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> perLevel = new LinkedHashMap<>();
        Function<String, RemoteRequest> request = prompt -> new RemoteRequest(prompt, GenerationMode.SPECULATIVE,
                options.maxTokens(), SamplingParams.GREEDY, options.draftLength(), true);
        try (LocalMesh mesh = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            RouterClient router = connection.client();
            MeterRegistry verifierMeters = mesh.verifier().context().getBean(MeterRegistry.class);
            // Warm-up, untimed: every path at full length, alone and at the highest level, so that no level is
            // measured while the JIT is still compiling (with one short request first, 32 sessions measured faster
            // than 16). The warm-up texts have a first line of their own: no prefix-cache block of a measured prompt
            // comes from here.
            List<String> warmUp = prompts.stream().map(prompt -> "// warm-up\n" + prompt).toList();
            int highest = engine.concurrencyLevels().stream().mapToInt(Integer::intValue).max().orElse(1);
            // Rounds at the highest level until WARMUP has passed: after one round, the compiler threads still took
            // ~15% of the CPU while 16 sessions were measured.
            LoadRun.run(router, warmUp, 1, 2, request);
            long warmUntil = System.nanoTime() + WARMUP.toNanos();
            do {
                LoadRun.run(router, warmUp, highest, 1, request);
            } while (System.nanoTime() < warmUntil);
            for (int level : engine.concurrencyLevels()) {
                // At least MIN_REQUESTS per level: two requests alone last ~0.4 s, and their tokens/s (the ratio's
                // denominator) moved by ±15% from run to run.
                int perClient = Math.max(engine.requestsPerClient(), (MIN_REQUESTS + level - 1) / level);
                // Every request's prompt gets a first line of its own, so that the first arm reuses no prompt KV
                // (every request prefills its whole prompt) and the second arm reuses its own first arm's.
                List<String> unique = new ArrayList<>();
                for (int i = 0; i < level * perClient; i++) {
                    unique.add("// level " + level + ", request " + i + "\n" + prompts.get(i % prompts.size()));
                }
                for (Arm arm : Arm.values()) {
                    Map<String, Object> row = runLevel(router, verifierMeters, unique, level, perClient, request);
                    row.put("prompts", arm.label);
                    rows.add(row);
                    arm.put(perLevel, level, row);
                }
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Arm arm : Arm.values()) {
            arm.summarise(perLevel, summary);
        }
        summary.putAll(perLevel);
        summary.put("draft_length", options.draftLength());
        summary.put("max_tokens", options.maxTokens());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    /** One level through {@link LoadRun}, plus what the verifier's model calls did meanwhile. */
    private static Map<String, Object> runLevel(RouterClient router, MeterRegistry verifierMeters, List<String> prompts,
                                                int level, int requestsPerClient,
                                                Function<String, RemoteRequest> request) throws Exception {
        VerifierActivity before = VerifierActivity.of(verifierMeters);
        LoadRun.Result result = LoadRun.run(router, prompts, level, requestsPerClient, request);
        VerifierActivity activity = VerifierActivity.of(verifierMeters).since(before);
        long tokens = result.results().stream().mapToLong(RemoteResult::completionTokens).sum();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("sessions", level);
        row.put("requests", level * requestsPerClient);
        row.put("tokens", tokens);
        row.put("seconds", result.seconds());
        row.put("tokens_per_second", result.tokensPerSecond());
        row.put("p50_ms", result.p50Ms());
        row.put("p99_ms", result.p99Ms());
        activity.describe(result.seconds(), row);
        return row;
    }

    /**
     * The two arms of each level. Both compare levels in the same prompt-cache state: before, only the first level
     * prefilled its prompts, and later levels re-sent the same prompts and skipped their prefill, which flattered
     * the ratio between them.
     */
    private enum Arm {
        /** Prompts never seen: every request prefills its whole prompt, as for a new conversation. */
        NEW("new", ""),
        /** The same prompts again: their KV comes from the prefix cache or the KV store, as for a next turn. */
        CACHED("cached", "_cached");

        private final String label;
        private final String suffix;

        Arm(String label, String suffix) {
            this.label = label;
            this.suffix = suffix;
        }

        void put(Map<String, Object> perLevel, int level, Map<String, Object> row) {
            perLevel.put("tokens_per_second_" + level + suffix, row.get("tokens_per_second"));
            perLevel.put("p50_ms_" + level + suffix, row.get("p50_ms"));
            perLevel.put("p99_ms_" + level + suffix, row.get("p99_ms"));
        }

        /** The headline keys: 16 sessions' tokens/s over one session's, and 16 sessions' p99. */
        void summarise(Map<String, Object> perLevel, Map<String, Object> summary) {
            Object one = perLevel.get("tokens_per_second_1" + suffix);
            Object sixteen = perLevel.get("tokens_per_second_16" + suffix);
            summary.put("throughput_16_over_1" + suffix, one instanceof Double o && sixteen instanceof Double s
                    ? s / o : Double.NaN);
            summary.put("p99_ms_16" + suffix, perLevel.getOrDefault("p99_ms_16" + suffix, Double.NaN));
        }
    }
}
