package dev.specula.service.testing;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent clients that each run a seeded sequence of randomised calls (client c draws from
 * {@code new Random(seed + c)}), for property-style tests over real services; each run says which case it hit.
 */
public final class SeededClients {
    /** One randomised call; says which case it hit. */
    @FunctionalInterface
    public interface Call<P> {
        P run(Random random) throws Exception;
    }

    private SeededClients() {
    }

    /**
     * Runs {@code runs} calls spread over {@code clients} threads and waits (at most 2 minutes) for all of them.
     *
     * @return how many runs hit each case
     */
    public static <P extends Enum<P>> Map<P, Integer> run(int clients, int runs, long seed, Class<P> cases,
                                                          Call<P> once) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Map<P, Integer>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Random random = new Random(seed + c);
                results.add(pool.submit(() -> {
                    Map<P, Integer> hits = new EnumMap<>(cases);
                    for (int run = 0; run < runs / clients; run++) {
                        hits.merge(once.run(random), 1, Integer::sum);
                    }
                    return hits;
                }));
            }
            Map<P, Integer> hits = new EnumMap<>(cases);
            for (Future<Map<P, Integer>> result : results) {
                result.get(2, TimeUnit.MINUTES).forEach((point, n) -> hits.merge(point, n, Integer::sum));
            }
            return hits;
        } finally {
            pool.shutdownNow();
        }
    }
}
