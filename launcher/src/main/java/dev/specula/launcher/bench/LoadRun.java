package dev.specula.launcher.bench;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * One arm of a benchmark through the router: {@code sessions} clients at once, each running
 * {@code requestsPerClient} generations over the prompts. Tokens/s is all tokens over the wall time of the whole
 * arm; each streamed token's latency is its chunk's gap since the previous chunk (or since the request, for the
 * first) divided by the chunk's tokens, as the concurrency scenario measures it.
 */
final class LoadRun {

    /**
     * @param results every generation's result, in no particular order
     * @param seconds wall time from the start of the clients to the end of the last generation
     */
    record Result(double tokensPerSecond, double p50Ms, double p99Ms, PolicyTally tally, List<RemoteResult> results,
                  double seconds) {
    }

    private LoadRun() {
    }

    static Result run(RouterClient client, List<String> prompts, int sessions, int requestsPerClient,
                      Function<String, RemoteRequest> request) throws Exception {
        LatencySamples perToken = new LatencySamples();
        PolicyTally tally = new PolicyTally();
        List<RemoteResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(sessions);
        CyclicBarrier start = new CyclicBarrier(sessions + 1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int c = 0; c < sessions; c++) {
                int client0 = c;
                done.add(clients.submit(() -> {
                    start.await();
                    for (int r = 0; r < requestsPerClient; r++) {
                        String prompt = prompts.get((client0 + r * sessions) % prompts.size());
                        RemoteResult result = timed(client, request.apply(prompt), perToken);
                        tally.add(result);
                        results.add(result);
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
            return new Result(tally.tokens() / seconds, perToken.percentile(50), perToken.percentile(99), tally,
                    List.copyOf(results), seconds);
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * Puts the prompt's full KV blocks in the verifier's prefix cache (one untimed token), so that every arm that
     * runs it afterwards starts from the same cache state. Without it only the first arm to run a prompt prefills
     * it, and the others skip most of that work: the order of the arms, not what they compare, decides their time
     * to first token.
     */
    static void prime(RouterClient client, String prompt) {
        client.generate(new RemoteRequest(prompt, GenerationMode.TARGET_ONLY, 1, SamplingParams.GREEDY, 1, true),
                piece -> true);
    }

    /** One generation, one at a time: its results. */
    static RemoteResult once(RouterClient client, RemoteRequest request) {
        return timed(client, request, null);
    }

    private static RemoteResult timed(RouterClient client, RemoteRequest request, LatencySamples perToken) {
        long[] last = {System.nanoTime()};
        return client.generate(request, (tokens, text) -> {
            if (tokens > 0 && perToken != null) {
                long now = System.nanoTime();
                double each = (now - last[0]) / 1e6 / tokens;
                for (int i = 0; i < tokens; i++) {
                    perToken.add(each);
                }
                last[0] = now;
            }
            return true;
        });
    }
}
