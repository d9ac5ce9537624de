package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.edge.EdgeClient;
import dev.specula.edge.EdgeOptions;
import dev.specula.edge.EdgeResult;
import dev.specula.edge.TextListener;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.netem.DelayProxy;
import dev.specula.netem.LinkProfile;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What splitting speculation between device and cluster buys, at round-trip times injected by a user-space delay
 * proxy between the clients and the router: target-only streaming from the verifier, edge speculation waiting
 * for each verdict, and edge speculation with pipelined drafting. Per arm: tokens/s per client, time to first
 * token, and the verifier's own cost per generated token (model calls and compute seconds, timed inside the
 * verifier), and bytes on the wire. The edge clients run in this JVM, so on one machine their drafting shares
 * the CPU with the verifier; the verifier-side figures are what a separate cluster would see.
 */
final class EdgeRttScenario implements Scenario {
    private static final String TARGET_ONLY = "target-only";
    private static final String EDGE_PLAIN = "edge-plain";
    private static final String EDGE_PIPELINED = "edge-pipelined";
    private static final List<String> ARMS = List.of(TARGET_ONLY, EDGE_PLAIN, EDGE_PIPELINED);
    /** Generations per cell at least: one prompt's acceptance says little, so a single client runs several. */
    private static final int MIN_GENERATIONS = 4;

    @Override
    public String name() {
        return "edge-rtt";
    }

    @Override
    public String description() {
        return "edge speculation vs target-only streaming at injected round-trip times: latency and verifier cost";
    }

    /** One arm's totals. */
    private record Cell(long tokens, double tokensPerSecondPerClient, double ttftMillisP50, long steps,
                        double stepSeconds, long wireBytes, long protobufBytes, long drafts, long draftTokens,
                        long acceptedTokens, long discardedRounds) {
    }

    /** One client's generation. */
    private record Run(long tokens, double seconds, double ttftMillis, long protobufBytes, long drafts,
                       long draftTokens, long acceptedTokens, long discardedRounds) {
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        EdgeBenchOptions edge = options.edge();
        int most = edge.clients().stream().mapToInt(Integer::intValue).max().orElse(1);
        // Every arm runs the same prompts (acceptance varies a lot from prompt to prompt), each behind a first line
        // naming its cell, so that no generation finds its prefix cached by an earlier one.
        List<String> prompts = HeldOutPrompts.load(Math.max(most, MIN_GENERATIONS), options.promptChars());
        int[] cellNumber = {0};
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Cell> cells = new LinkedHashMap<>();
        SpeculationPlan plan = SpeculationPlan.DEFAULTS.withLengths(
                edge.adaptive() ? DraftLengthMode.ADAPTIVE : DraftLengthMode.FIXED,
                Math.min(options.draftLength(), edge.maxDraftLength()), edge.maxDraftLength());
        try (LocalMesh mesh = LocalMesh.start(options.mesh())) {
            Timer steps = mesh.verifier().context().getBean(MeterRegistry.class)
                    .get("specula_verifier_batch_step_seconds").timer();
            for (int rtt : edge.rttsMillis()) {
                try (DelayProxy proxy = new DelayProxy("127.0.0.1", mesh.router().grpcPort(),
                        new LinkProfile(Duration.ofNanos(rtt * 500_000L), 0))) {
                    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
                    try (EdgeClient plain = EdgeClient.open(options.mesh().drafterModel(), channel,
                            EdgeOptions.DEFAULTS.withPlan(plan).withPipelineDepth(1));
                         EdgeClient pipelined = EdgeClient.open(options.mesh().drafterModel(), channel,
                                 EdgeOptions.DEFAULTS.withPlan(plan).withPipelineDepth(2))) {
                        RouterClient router = new RouterClient(channel, Duration.ofMinutes(10));
                        for (String arm : ARMS) {
                            // Warm-up: connection, JIT and sessions of this arm, outside the measurement.
                            generate(arm, "// warm-up " + rtt + "\n" + prompts.get(0), 16, router, plain, pipelined);
                        }
                        for (int clients : edge.clients()) {
                            for (String arm : ARMS) {
                                String salt = "// cell " + cellNumber[0]++ + "\n";
                                List<String> own = new ArrayList<>();
                                for (int g = 0; g < Math.max(clients, MIN_GENERATIONS); g++) {
                                    own.add(salt + prompts.get(g));
                                }
                                Cell cell = measure(arm, clients, own, options.maxTokens(), steps, proxy, router, plain,
                                        pipelined);
                                cells.put(key(arm, clients, rtt), cell);
                                rows.add(row(rtt, clients, arm, cell));
                                System.out.printf("edge-rtt: rtt %d ms, %d clients, %s: %.1f tok/s per client%n",
                                        rtt, clients, arm, cell.tokensPerSecondPerClient());
                            }
                        }
                    } finally {
                        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                    }
                }
            }
        }
        return new BenchReport(name(), MachineInfo.describe(), rows, summary(cells, edge, options));
    }

    /** {@code clients} threads share the generations; a client's rate is its tokens over its busy time. */
    private static Cell measure(String arm, int clients, List<String> prompts, int maxTokens, Timer steps,
                                DelayProxy proxy, RouterClient router, EdgeClient plain, EdgeClient pipelined)
            throws Exception {
        long stepCount = steps.count();
        double stepSeconds = steps.totalTime(TimeUnit.SECONDS);
        long wire = proxy.bytesUpstream() + proxy.bytesDownstream();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Run> runs = new ArrayList<>();
        List<double[]> perClient = new ArrayList<>();
        try {
            List<Future<List<Run>>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                List<String> mine = new ArrayList<>();
                for (int g = c; g < prompts.size(); g += clients) {
                    mine.add(prompts.get(g));
                }
                futures.add(pool.submit(() -> {
                    List<Run> done = new ArrayList<>();
                    for (String prompt : mine) {
                        done.add(generate(arm, prompt, maxTokens, router, plain, pipelined));
                    }
                    return done;
                }));
            }
            for (Future<List<Run>> f : futures) {
                List<Run> done = f.get();
                runs.addAll(done);
                perClient.add(new double[] {done.stream().mapToLong(Run::tokens).sum(),
                        done.stream().mapToDouble(Run::seconds).sum()});
            }
        } finally {
            pool.shutdownNow();
        }
        LatencySamples ttft = new LatencySamples();
        long tokens = 0;
        double rate = 0;
        long protobuf = 0;
        long drafts = 0;
        long draftTokens = 0;
        long accepted = 0;
        long discarded = 0;
        for (double[] client : perClient) {
            rate += client[0] / client[1];
        }
        for (Run r : runs) {
            tokens += r.tokens();
            ttft.add(r.ttftMillis());
            protobuf += r.protobufBytes();
            drafts += r.drafts();
            draftTokens += r.draftTokens();
            accepted += r.acceptedTokens();
            discarded += r.discardedRounds();
        }
        return new Cell(tokens, rate / perClient.size(), ttft.percentile(50), steps.count() - stepCount,
                steps.totalTime(TimeUnit.SECONDS) - stepSeconds, proxy.bytesUpstream() + proxy.bytesDownstream() - wire,
                protobuf, drafts, draftTokens, accepted, discarded);
    }

    private static Run generate(String arm, String prompt, int maxTokens, RouterClient router, EdgeClient plain,
                                EdgeClient pipelined) {
        long start = System.nanoTime();
        if (arm.equals(TARGET_ONLY)) {
            long[] first = {0};
            var result = router.generate(new RemoteRequest(prompt, GenerationMode.TARGET_ONLY, maxTokens,
                    SamplingParams.GREEDY, 0, true), (count, text) -> {
                        if (first[0] == 0 && count > 0) {
                            first[0] = System.nanoTime() - start;
                        }
                        return true;
                    });
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Run(result.completionTokens(), seconds, first[0] / 1e6, 0, 0, 0, 0, 0);
        }
        EdgeResult result = (arm.equals(EDGE_PLAIN) ? plain : pipelined)
                .generate(prompt, maxTokens, SamplingParams.GREEDY, true, TextListener.IGNORE);
        return new Run(result.tokens().length, result.elapsedNanos() / 1e9, result.firstTokenNanos() / 1e6,
                result.bytesTransferred(), result.stats().drafts(), result.stats().draftTokens(),
                result.stats().acceptedTokens(), result.stats().discardedRounds());
    }

    private static Map<String, Object> row(int rtt, int clients, String arm, Cell cell) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("rtt_ms", rtt);
        row.put("clients", clients);
        row.put("arm", arm);
        row.put("tokens", cell.tokens());
        row.put("tokens_per_second_per_client", cell.tokensPerSecondPerClient());
        row.put("ttft_ms_p50", cell.ttftMillisP50());
        row.put("verifier_forwards_per_token", (double) cell.steps() / cell.tokens());
        row.put("verifier_compute_ms_per_token", cell.stepSeconds() * 1e3 / cell.tokens());
        row.put("wire_bytes_per_token", (double) cell.wireBytes() / cell.tokens());
        // Target-only streaming has no drafts: its speculation columns stay at 0.
        row.put("protobuf_bytes_per_token", (double) cell.protobufBytes() / cell.tokens());
        row.put("acceptance_rate", cell.draftTokens() == 0 ? 0 : (double) cell.acceptedTokens() / cell.draftTokens());
        row.put("mean_draft_length", cell.drafts() == 0 ? 0 : (double) cell.draftTokens() / cell.drafts());
        row.put("discarded_rounds", cell.discardedRounds());
        return row;
    }

    private static Map<String, Object> summary(Map<String, Cell> cells, EdgeBenchOptions edge, BenchOptions options) {
        Map<String, Object> summary = new LinkedHashMap<>();
        int many = edge.clients().stream().mapToInt(Integer::intValue).max().orElse(1);
        Cell targetMany = cells.get(key(TARGET_ONLY, many, 40));
        Cell pipelinedMany = cells.get(key(EDGE_PIPELINED, many, 40));
        Cell targetOne = cells.get(key(TARGET_ONLY, 1, 40));
        Cell plainOne = cells.get(key(EDGE_PLAIN, 1, 40));
        Cell pipelinedOne = cells.get(key(EDGE_PIPELINED, 1, 40));
        summary.put("capacity_gain_rtt40", targetMany == null || pipelinedMany == null ? Double.NaN
                : (targetMany.stepSeconds() / targetMany.tokens()) / (pipelinedMany.stepSeconds() / pipelinedMany.tokens()));
        summary.put("capacity_gain_clients", many);
        summary.put("pipelined_over_plain_rtt40", plainOne == null || pipelinedOne == null ? Double.NaN
                : pipelinedOne.tokensPerSecondPerClient() / plainOne.tokensPerSecondPerClient());
        summary.put("latency_ratio_rtt40", targetOne == null || pipelinedOne == null ? Double.NaN
                : pipelinedOne.tokensPerSecondPerClient() / targetOne.tokensPerSecondPerClient());
        summary.put("bytes_per_accepted_token", pipelinedOne == null ? Double.NaN
                : (double) pipelinedOne.wireBytes() / pipelinedOne.tokens());
        summary.put("protobuf_bytes_per_accepted_token", pipelinedOne == null ? Double.NaN
                : (double) pipelinedOne.protobufBytes() / pipelinedOne.tokens());
        for (int rtt : edge.rttsMillis()) {
            Cell t = cells.get(key(TARGET_ONLY, 1, rtt));
            Cell p = cells.get(key(EDGE_PIPELINED, 1, rtt));
            if (t != null && p != null) {
                summary.put("latency_ratio_rtt" + rtt, p.tokensPerSecondPerClient() / t.tokensPerSecondPerClient());
            }
        }
        summary.put("max_tokens", options.maxTokens());
        summary.put("max_draft_length", edge.maxDraftLength());
        summary.put("draft_lengths", edge.adaptive() ? "adaptive" : "fixed k = " + options.draftLength());
        return summary;
    }

    private static String key(String arm, int clients, int rtt) {
        return arm + "/" + clients + "/" + rtt;
    }
}
