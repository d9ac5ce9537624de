package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
     * 1490–1550 (the ratio moved less: 2.56 against 2.41–2.81).
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
        Map<Integer, double[]> byLevel = new LinkedHashMap<>();
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
                Map<String, Object> row = runLevel(router, verifierMeters, prompts, level, perClient, request);
                rows.add(row);
                byLevel.put(level, new double[] {(double) row.get("tokens_per_second"), (double) row.get("p50_ms"),
                        (double) row.get("p99_ms")});
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        double[] one = byLevel.get(1);
        double[] sixteen = byLevel.get(16);
        summary.put("throughput_16_over_1", one != null && sixteen != null ? sixteen[0] / one[0] : Double.NaN);
        summary.put("p99_ms_16", sixteen != null ? sixteen[2] : Double.NaN);
        byLevel.forEach((level, values) -> {
            summary.put("tokens_per_second_" + level, values[0]);
            summary.put("p50_ms_" + level, values[1]);
            summary.put("p99_ms_" + level, values[2]);
        });
        summary.put("draft_length", options.draftLength());
        summary.put("max_tokens", options.maxTokens());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    /** One level through {@link LoadRun}, plus how many sessions the verifier's forward passes carried meanwhile. */
    private static Map<String, Object> runLevel(RouterClient router, MeterRegistry verifierMeters, List<String> prompts,
                                                int level, int requestsPerClient,
                                                Function<String, RemoteRequest> request) throws Exception {
        DistributionSummary batches = verifierMeters.find("specula_verifier_batch_size").summary();
        long batchCount = batches == null ? 0 : batches.count();
        double batchTotal = batches == null ? 0 : batches.totalAmount();
        Timer steps = verifierMeters.find("specula_verifier_batch_step_seconds").timer();
        double stepSeconds = steps == null ? 0 : steps.totalTime(TimeUnit.SECONDS);
        LoadRun.Result result = LoadRun.run(router, prompts, level, requestsPerClient, request);
        long tokens = result.results().stream().mapToLong(RemoteResult::completionTokens).sum();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("sessions", level);
        row.put("requests", level * requestsPerClient);
        row.put("tokens", tokens);
        row.put("seconds", result.seconds());
        row.put("tokens_per_second", result.tokensPerSecond());
        row.put("p50_ms", result.p50Ms());
        row.put("p99_ms", result.p99Ms());
        if (batches != null && batches.count() > batchCount) {
            row.put("mean_batch_sessions", (batches.totalAmount() - batchTotal) / (batches.count() - batchCount));
        }
        if (steps != null) {
            // Share of the wall time the verifier's model was running: near 1, it is the bottleneck.
            row.put("verifier_busy", (steps.totalTime(TimeUnit.SECONDS) - stepSeconds) / result.seconds());
        }
        return row;
    }
}
