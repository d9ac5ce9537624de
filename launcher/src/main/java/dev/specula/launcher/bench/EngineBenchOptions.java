package dev.specula.launcher.bench;

import java.util.List;

/**
 * Knobs of the serving-engine scenarios ({@code concurrency}, {@code kv-restore}, {@code kvstore-throughput}).
 *
 * @param concurrencyLevels concurrent sessions per arm of {@code concurrency}
 * @param requestsPerClient generations each concurrent client runs back to back
 * @param restoreLengths    prompt lengths (tokens) of {@code kv-restore}
 * @param repeats           measurements per arm of {@code kv-restore} (the median is reported)
 * @param storeTotalMib     bytes moved per direction by {@code kvstore-throughput}
 * @param storeBatchKib     bytes per PutBlocks message / GetBlocks call
 * @param storeBlockKib     bytes per block
 * @param getsInFlight      concurrent GetBlocks calls
 */
record EngineBenchOptions(List<Integer> concurrencyLevels, int requestsPerClient, List<Integer> restoreLengths,
                          int repeats, int storeTotalMib, int storeBatchKib, int storeBlockKib, int getsInFlight) {

    static EngineBenchOptions defaults() {
        return new EngineBenchOptions(List.of(1, 4, 16, 32), 2, List.of(256, 1024, 2048), 5, 512, 1024, 64, 4);
    }
}
