package dev.specula.launcher.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The router's two front doors side by side: the same greedy speculative requests through the OpenAI HTTP API
 * (streamed as server-sent events) and through gRPC {@code Router/Generate}, one after the other per prompt, in
 * alternating order. Each request gets its own first line so that neither finds the other's prefix cached.
 * Reported: tokens/s and time to first token per door, and the router's own share of a request (its measured
 * elapsed time against the client's).
 */
final class FrontDoorScenario implements Scenario {

    @Override
    public String name() {
        return "frontdoor";
    }

    @Override
    public String description() {
        return "tokens/s and TTFT through HTTP SSE vs gRPC for the same requests";
    }

    /** One request's client-side view. */
    private record Timing(int tokens, double seconds, double ttftMillis) {
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        List<String> prompts = HeldOutPrompts.load(options.prompts(), options.promptChars());
        Throughput grpc = new Throughput();
        Throughput http = new Throughput();
        LatencySamples grpcTtft = new LatencySamples();
        LatencySamples httpTtft = new LatencySamples();
        LatencySamples routerShare = new LatencySamples();
        List<Map<String, Object>> rows = new ArrayList<>();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (LocalMesh mesh = LocalMesh.start(options.mesh());
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            String base = "http://127.0.0.1:" + mesh.routerHttpPort();
            viaGrpc(connection, "// warm-up\n" + prompts.get(0), 16, null);
            viaHttp(client, base, "// warm-up\n" + prompts.get(0), 16);
            for (int i = 0; i < prompts.size(); i++) {
                String prompt = prompts.get(i);
                Timing g;
                Timing h;
                double[] routerSeconds = new double[1];
                if (i % 2 == 0) {
                    g = viaGrpc(connection, "// grpc " + i + "\n" + prompt, options.maxTokens(), routerSeconds);
                    h = viaHttp(client, base, "// http " + i + "\n" + prompt, options.maxTokens());
                } else {
                    h = viaHttp(client, base, "// http " + i + "\n" + prompt, options.maxTokens());
                    g = viaGrpc(connection, "// grpc " + i + "\n" + prompt, options.maxTokens(), routerSeconds);
                }
                grpc.add(g.tokens(), g.seconds());
                http.add(h.tokens(), h.seconds());
                grpcTtft.add(g.ttftMillis());
                httpTtft.add(h.ttftMillis());
                routerShare.add((g.seconds() - routerSeconds[0]) * 1e3);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("prompt", i);
                row.put("grpc_tokens_per_second", g.tokens() / g.seconds());
                row.put("http_tokens_per_second", h.tokens() / h.seconds());
                row.put("grpc_ttft_ms", g.ttftMillis());
                row.put("http_ttft_ms", h.ttftMillis());
                row.put("client_minus_router_ms", (g.seconds() - routerSeconds[0]) * 1e3);
                rows.add(row);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("http_over_grpc", http.tokensPerSecond() / grpc.tokensPerSecond());
        summary.put("grpc_tokens_per_second", grpc.tokensPerSecond());
        summary.put("http_tokens_per_second", http.tokensPerSecond());
        summary.put("grpc_ttft_ms_p50", grpcTtft.percentile(50));
        summary.put("http_ttft_ms_p50", httpTtft.percentile(50));
        summary.put("client_minus_router_ms_p50", routerShare.percentile(50));
        summary.put("max_tokens", options.maxTokens());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    /** @param routerSeconds receives the router's own elapsed time for the request (null: not wanted) */
    private static Timing viaGrpc(RouterConnection connection, String prompt, int maxTokens, double[] routerSeconds) {
        long start = System.nanoTime();
        long[] first = {0};
        RemoteResult result = connection.client().generate(new RemoteRequest(prompt, GenerationMode.SPECULATIVE,
                maxTokens, SamplingParams.GREEDY, 0, true), (tokens, text) -> {
                    if (first[0] == 0 && tokens > 0) {
                        first[0] = System.nanoTime() - start;
                    }
                    return true;
                });
        if (routerSeconds != null) {
            routerSeconds[0] = result.elapsedSeconds();
        }
        return new Timing(result.completionTokens(), (System.nanoTime() - start) / 1e9, first[0] / 1e6);
    }

    private static Timing viaHttp(HttpClient client, String base, String prompt, int maxTokens) throws Exception {
        JsonObject body = new JsonObject();
        body.addProperty("prompt", prompt);
        body.addProperty("max_tokens", maxTokens);
        body.addProperty("temperature", 0);
        body.addProperty("ignore_eos", true);
        body.addProperty("stream", true);
        JsonObject streamOptions = new JsonObject();
        streamOptions.addProperty("include_usage", true);
        body.add("stream_options", streamOptions);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        long start = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode() + " from the router");
        }
        long first = 0;
        int tokens = 0;
        Iterator<String> lines = response.body().iterator();
        while (lines.hasNext()) {
            String line = lines.next();
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                continue;
            }
            JsonObject event = JsonParser.parseString(line.substring(6)).getAsJsonObject();
            if (first == 0 && event.has("choices") && !event.getAsJsonArray("choices").isEmpty()
                    && !event.getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString().isEmpty()) {
                first = System.nanoTime() - start;
            }
            if (event.has("usage") && !event.get("usage").isJsonNull()) {
                tokens = event.getAsJsonObject("usage").get("completion_tokens").getAsInt();
            }
        }
        return new Timing(tokens, (System.nanoTime() - start) / 1e9, first / 1e6);
    }
}
