package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.speculation.Generation;
import dev.specula.runtime.speculation.InProcessDecoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same greedy speculative generation through the gRPC mesh (client → router → drafter ⇄ verifier) and
 * through the core loop calling the runtime in process; the ratio is the cost of our machinery.
 */
final class MeshOverheadScenario implements Scenario {

    @Override
    public String name() {
        return "mesh-overhead";
    }

    @Override
    public String description() {
        return "speculative tokens/s through the gRPC mesh vs the loop calling the runtime in process";
    }

    @Override
    public BenchReport run(BenchOptions options) {
        List<String> prompts = HeldOutPrompts.load(options.prompts(), options.promptChars());
        Throughput mesh = new Throughput();
        Throughput inProcess = new Throughput();
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean identical = true;
        try (DecoderModel drafter = DecoderModel.load(options.mesh().drafterModel());
             DecoderModel target = DecoderModel.load(options.mesh().verifierModel());
             LocalMesh services = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(services.router().grpcPort())) {
            RouterClient client = connection.client();
            var tokenizer = dev.specula.runtime.tokenizer.TextTokenizer.load(target.folder());
            StopCondition stop = new StopCondition(options.maxTokens(), new int[0]);
            // Both paths run every prompt once before the measured pass: the mesh's code (four services, gRPC,
            // protobuf) needs far more JIT warm-up than the in-process loop, and one short warm-up left the first
            // measured generations of the mesh running interpreted (0.74 then vs 0.97 once warm, in one JVM).
            // The warm-up text has its own first line, so no prefix-cache block of a measured prompt is made here.
            for (String prompt : prompts) {
                String warmUp = "// warm-up\n" + prompt;
                runInProcess(drafter, target, tokenizer.encode(warmUp), stop, options);
                client.generate(request(warmUp, options.maxTokens(), options), piece -> true);
            }
            for (int i = 0; i < prompts.size(); i++) {
                int[] promptTokens = tokenizer.encode(prompts.get(i));
                long start = System.nanoTime();
                Generation local = runInProcess(drafter, target, promptTokens, stop, options);
                double localSeconds = (System.nanoTime() - start) / 1e9;
                inProcess.add(local.tokens().length, localSeconds);
                RemoteResult remote = client.generate(request(prompts.get(i), options.maxTokens(), options), piece -> true);
                mesh.add(remote.completionTokens(), remote.elapsedSeconds());
                identical &= Arrays.equals(local.tokens(), remote.tokenIds());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("prompt", i);
                row.put("in_process_tokens_per_second", local.tokens().length / localSeconds);
                row.put("mesh_tokens_per_second", remote.tokensPerSecond());
                row.put("same_tokens", Arrays.equals(local.tokens(), remote.tokenIds()));
                rows.add(row);
            }
            tokenizer.close();
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mesh_vs_inprocess", mesh.tokensPerSecond() / inProcess.tokensPerSecond());
        summary.put("mesh_tokens_per_second", mesh.tokensPerSecond());
        summary.put("in_process_tokens_per_second", inProcess.tokensPerSecond());
        summary.put("identical_output", identical);
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    private static Generation runInProcess(DecoderModel drafter, DecoderModel target, int[] prompt, StopCondition stop,
                                           BenchOptions options) {
        return InProcessDecoding.speculative(drafter, target, prompt, SamplingParams.GREEDY,
                new FixedDraftLength(options.draftLength()), stop);
    }

    private static RemoteRequest request(String prompt, int maxTokens, BenchOptions options) {
        return new RemoteRequest(prompt, GenerationMode.SPECULATIVE, maxTokens, SamplingParams.GREEDY,
                options.draftLength(), true);
    }
}
