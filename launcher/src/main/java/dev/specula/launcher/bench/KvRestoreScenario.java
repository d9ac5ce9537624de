package dev.specula.launcher.bench;

import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.launcher.mesh.MeshOptions;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.SamplingParams;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.verifier.engine.VerifierEngine;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Time to first token of a "next turn" whose conversation so far is in the KV store, vs the same prompt
 * prefilled from scratch, through the mesh (verifier ⇄ kvstore over gRPC). The verifier's own prefix cache is
 * off so every hit is a store restore: one GetBlocks that stops at the first missing block, one import, then a
 * prefill of the new tail only.
 *
 * <p>Per prompt length L: a previous turn (the first L − tail tokens) runs and ends, offloading its blocks;
 * then, alternately, the full L-token prompt (a fresh tail each time) in the same tenant (restored) and in a
 * fresh tenant (nothing to restore: full prefill). Medians over the repeats.
 *
 * <p>Both arms are measured warm, as a serving verifier is: the warm-up runs {@value #WARMUP_REPEATS} pairs at up
 * to {@value #WARMUP_TOKENS} tokens first, then restores alone (at least {@value #WARMUP_RESTORES}, for at least
 * 15 s). A restore moves its blocks through code that nothing else runs (the GetBlocks stream, block checks, the
 * import); measured in the first calls of a fresh JVM it mostly timed the interpreter and the JIT compiler queue. On
 * the 2-core machine the 6 MB fetch of a 1024-token restore took ~120 ms on its first call, a median of 21 ms over
 * calls 1-20, 9.6 ms over calls 21-40 and 6-7 ms from call 100 on; full prefill, the other arm, runs the model code
 * every request shares.
 */
final class KvRestoreScenario implements Scenario {
    /** Tokens of the new turn after the stored conversation. */
    private static final int TAIL = 32;
    /** Warm-up pairs (restored + full prefill) before anything is measured. */
    private static final int WARMUP_REPEATS = 16;
    private static final int WARMUP_TOKENS = 1024;
    /** Restores alone after the warm-up pairs (a restore costs a fraction of a full prefill), at least this many… */
    private static final int WARMUP_RESTORES = 100;
    /** …and for at least this long. */
    private static final Duration WARMUP_RESTORE_TIME = Duration.ofSeconds(15);

    @Override
    public String name() {
        return "kv-restore";
    }

    @Override
    public String description() {
        return "time to first token with the prompt's prefix restored from the KV store vs full prefill";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        EngineBenchOptions engine = options.engine();
        MeshOptions mesh = options.mesh().withVerifierProperty("specula.verifier.prefix-cache-bytes", "0");
        int longest = Math.max(WARMUP_TOKENS, engine.restoreLengths().stream().mapToInt(Integer::intValue).max()
                .orElse(256));
        int[] corpus = corpus(options, longest + TAIL * (Math.max(engine.repeats(), WARMUP_REPEATS) + 2));
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        try (LocalMesh services = LocalMesh.start(mesh)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", services.verifier().grpcPort())
                    .usePlaintext().maxInboundMessageSize(16 << 20).build();
            try {
                VerifierGrpc.VerifierBlockingStub verifier = VerifierGrpc.newBlockingStub(channel);
                VerifierEngine verifierEngine = services.verifier().context().getBean(VerifierEngine.class);
                int context = verifierEngine.maxContext();
                // JIT, connections: see the class comment.
                int warmLength = Math.min(WARMUP_TOKENS, context - 2);
                measure(verifier, verifierEngine, corpus, warmLength, WARMUP_REPEATS, "warmup");
                warmRestores(verifier, verifierEngine, corpus, warmLength, "warmup-restores");
                for (int requested : engine.restoreLengths()) {
                    int length = Math.min(requested, context - 1); // room for the one generated token
                    Map<String, Object> row = measure(verifier, verifierEngine, corpus, length, engine.repeats(),
                            "L" + requested);
                    row.put("requested_tokens", requested);
                    rows.add(row);
                    summary.put("restore_speedup_" + requested, row.get("speedup"));
                    summary.put("ttft_full_ms_" + requested, row.get("ttft_full_ms"));
                    summary.put("ttft_restored_ms_" + requested, row.get("ttft_restored_ms"));
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        summary.put("tail_tokens", TAIL);
        summary.put("repeats", engine.repeats());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    private static Map<String, Object> measure(VerifierGrpc.VerifierBlockingStub verifier, VerifierEngine engine,
                                               int[] corpus, int length, int repeats, String tenant) {
        // The previous turn: its blocks go to the store when it ends.
        int[] previous = Arrays.copyOf(corpus, length - TAIL);
        firstToken(verifier, previous, tenant);
        engine.serving().awaitOffloads(Duration.ofSeconds(30));
        LatencySamples restored = new LatencySamples();
        LatencySamples full = new LatencySamples();
        int cached = 0;
        for (int r = 0; r < repeats; r++) {
            int[] prompt = Arrays.copyOf(previous, length);
            // A fresh tail per repeat, so each restore covers exactly the previous turn's blocks.
            System.arraycopy(corpus, length + r * TAIL, prompt, length - TAIL, TAIL);
            double[] hit = firstToken(verifier, prompt, tenant);
            restored.add(hit[0]);
            cached = (int) hit[1];
            engine.serving().awaitOffloads(Duration.ofSeconds(30));
            full.add(firstToken(verifier, prompt, tenant + "-cold-" + r)[0]);
            engine.serving().awaitOffloads(Duration.ofSeconds(30));
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("prompt_tokens", length);
        row.put("cached_tokens", cached);
        row.put("ttft_full_ms", full.median());
        row.put("ttft_restored_ms", restored.median());
        row.put("speedup", full.median() / restored.median());
        return row;
    }

    /**
     * Restores only: one previous turn, then next turns on it (see {@link #WARMUP_RESTORES}). Their tails cycle through
     * the corpus's spare tails, so later ones may restore a block more; it is warm-up, nothing is recorded.
     */
    private static void warmRestores(VerifierGrpc.VerifierBlockingStub verifier, VerifierEngine engine, int[] corpus,
                                     int length, String tenant) {
        int[] previous = Arrays.copyOf(corpus, length - TAIL);
        firstToken(verifier, previous, tenant);
        engine.serving().awaitOffloads(Duration.ofSeconds(30));
        int tails = (corpus.length - length) / TAIL;
        long until = System.nanoTime() + WARMUP_RESTORE_TIME.toNanos();
        for (int r = 0; r < WARMUP_RESTORES || System.nanoTime() < until; r++) {
            int[] prompt = Arrays.copyOf(previous, length);
            System.arraycopy(corpus, length + (r % tails) * TAIL, prompt, length - TAIL, TAIL);
            firstToken(verifier, prompt, tenant);
            engine.serving().awaitOffloads(Duration.ofSeconds(30));
        }
    }

    /** @return {milliseconds to the first streamed token, cached_tokens of the summary} */
    private static double[] firstToken(VerifierGrpc.VerifierBlockingStub verifier, int[] prompt, String tenant) {
        TargetGenerateRequest.Builder request = TargetGenerateRequest.newBuilder()
                .setTenant(tenant)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .setMaxNewTokens(1)
                .setIgnoreEos(true);
        for (int token : prompt) {
            request.addPromptTokenIds(token);
        }
        long start = System.nanoTime();
        double firstMillis = Double.NaN;
        int cached = 0;
        Iterator<GenerateEvent> events = verifier.withDeadlineAfter(5, TimeUnit.MINUTES).generate(request.build());
        while (events.hasNext()) {
            GenerateEvent event = events.next();
            if (event.hasChunk() && Double.isNaN(firstMillis)) {
                firstMillis = (System.nanoTime() - start) / 1e6;
            }
            if (event.hasSummary()) {
                cached = event.getSummary().getCachedTokens();
            }
        }
        return new double[] {firstMillis, cached};
    }

    /**
     * Held-out code as tokens of the verifier's tokenizer, at least {@code tokens} long (the prompts are cycled
     * if they are too few; chain hashes differ by position, so repeated text is no cache advantage).
     */
    private static int[] corpus(BenchOptions options, int tokens) {
        try (TextTokenizer tokenizer = TextTokenizer.load(ModelFolder.open(options.mesh().verifierModel()))) {
            List<String> texts = HeldOutPrompts.load(Math.max(1, options.prompts()), options.promptChars());
            int[] out = new int[0];
            for (int i = 0; out.length < tokens; i++) {
                int[] encoded = tokenizer.encode(texts.get(i % texts.size()), false);
                int[] joined = Arrays.copyOf(out, out.length + encoded.length);
                System.arraycopy(encoded, 0, joined, out.length, encoded.length);
                out = joined;
            }
            return out;
        }
    }
}
