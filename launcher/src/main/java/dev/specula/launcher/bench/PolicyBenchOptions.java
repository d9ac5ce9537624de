package dev.specula.launcher.bench;

import java.util.List;

/**
 * Knobs of the speculation-policy scenarios (adaptive-k, entropy-switching, ngram-editing).
 *
 * @param sessions          adaptive-k: concurrent sessions per arm
 * @param fixedLengths      adaptive-k: the fixed-k arms
 * @param maxDraftLength    adaptive arms' K
 * @param entropyThresholds entropy-switching: the H values swept (nats); the router's default H is always added
 * @param entropyWindow     entropy-switching: W; 0 = the router's
 * @param ngramMin          ngram-editing: shortest n-gram match (tokens); 0 = the router's
 * @param ngramMax          ngram-editing: longest n-gram match compared; 0 = the router's
 * @param leadLines         ngram-editing: lines of the code already "rewritten" at the end of each prompt
 */
record PolicyBenchOptions(List<Integer> sessions, List<Integer> fixedLengths, int maxDraftLength,
                          List<Double> entropyThresholds, int entropyWindow, int ngramMin, int ngramMax,
                          int leadLines) {

    static PolicyBenchOptions defaults() {
        return new PolicyBenchOptions(List.of(1, 8, 32), List.of(2, 4, 8), 8, List.of(0.25, 0.5, 1.0, 1.5, 2.0, 3.0),
                0, 0, 0, 3);
    }
}
