package dev.specula.launcher.bench;

import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifier-backed speculative generation through the whole mesh (client → router → drafter ⇄ verifier) at
 * several numbers of concurrent sessions. Total tokens/s shows what continuous batching buys (ideally the
 * verifier's step costs about the same for 16 sessions as for 1, so throughput scales); per-token latency
 * (gap between streamed chunks / tokens in the chunk) shows what each session pays for sharing the model.
 */
final class ConcurrencyScenario implements Scenario {

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
        try (LocalMesh mesh = LocalMesh.start(options.mesh())) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", mesh.router().grpcPort())
                    .usePlaintext().build();
            try {
                RouterGrpc.RouterBlockingStub router = RouterGrpc.newBlockingStub(channel);
                MeterRegistry verifierMeters = mesh.verifier().context().getBean(MeterRegistry.class);
                generate(router, prompts.get(0), Math.min(32, options.maxTokens()), options, null); // warm-up
                for (int level : engine.concurrencyLevels()) {
                    Map<String, Object> row = runLevel(router, verifierMeters, prompts, level, options);
                    rows.add(row);
                    byLevel.put(level, new double[] {(double) row.get("tokens_per_second"), (double) row.get("p50_ms"),
                            (double) row.get("p99_ms")});
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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

    private static Map<String, Object> runLevel(RouterGrpc.RouterBlockingStub router, MeterRegistry verifierMeters,
                                                List<String> prompts, int level, BenchOptions options)
            throws Exception {
        LatencySamples perToken = new LatencySamples();
        AtomicLong tokens = new AtomicLong();
        DistributionSummary batches = verifierMeters.find("specula_verifier_batch_size").summary();
        long batchCount = batches == null ? 0 : batches.count();
        double batchTotal = batches == null ? 0 : batches.totalAmount();
        ExecutorService clients = Executors.newFixedThreadPool(level);
        CyclicBarrier start = new CyclicBarrier(level + 1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int c = 0; c < level; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    start.await();
                    for (int r = 0; r < options.engine().requestsPerClient(); r++) {
                        String prompt = prompts.get((client + r * level) % prompts.size());
                        tokens.addAndGet(generate(router, prompt, options.maxTokens(), options, perToken));
                    }
                    return null;
                }));
            }
            start.await();
            long begin = System.nanoTime();
            for (Future<?> future : done) {
                future.get();
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("sessions", level);
            row.put("requests", level * options.engine().requestsPerClient());
            row.put("tokens", tokens.get());
            row.put("seconds", seconds);
            row.put("tokens_per_second", tokens.get() / seconds);
            row.put("p50_ms", perToken.percentile(50));
            row.put("p99_ms", perToken.percentile(99));
            if (batches != null && batches.count() > batchCount) {
                row.put("mean_batch_sessions", (batches.totalAmount() - batchTotal) / (batches.count() - batchCount));
            }
            return row;
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * One greedy speculative generation of exactly {@code maxTokens} tokens; each streamed token's latency is
     * its chunk's gap since the previous chunk (or since the request for the first) divided by the chunk's size.
     *
     * @return tokens generated
     */
    static long generate(RouterGrpc.RouterBlockingStub router, String prompt, int maxTokens, BenchOptions options,
                         LatencySamples perToken) {
        GenerateRequest request = GenerateRequest.newBuilder()
                .setPrompt(prompt)
                .setMode(Mode.MODE_SPECULATIVE)
                .setMaxTokens(maxTokens)
                .setSampling(SamplingParams.newBuilder().setTemperature(0).build())
                .setDraftLength(options.draftLength())
                .setIgnoreEos(true)
                .build();
        long last = System.nanoTime();
        long count = 0;
        Iterator<GenerateEvent> events = router.withDeadlineAfter(10, TimeUnit.MINUTES).generate(request);
        while (events.hasNext()) {
            GenerateEvent event = events.next();
            if (event.hasChunk() && event.getChunk().getTokenIdsCount() > 0) {
                long now = System.nanoTime();
                int n = event.getChunk().getTokenIdsCount();
                if (perToken != null) {
                    double each = (now - last) / 1e6 / n;
                    for (int i = 0; i < n; i++) {
                        perToken.add(each);
                    }
                }
                count += n;
                last = now;
            }
        }
        return count;
    }
}
