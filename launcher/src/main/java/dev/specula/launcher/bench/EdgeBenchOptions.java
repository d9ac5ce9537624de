package dev.specula.launcher.bench;

import java.util.List;

/**
 * Knobs of the edge-rtt scenario.
 *
 * @param rttsMillis     round-trip times injected between the edge clients and the router
 * @param clients        concurrent edge clients per arm
 * @param maxDraftLength K of the edge arms' adaptive draft length
 * @param adaptive       adaptive draft lengths (goodput policy, up to K) for the edge arms; false = fixed k
 */
record EdgeBenchOptions(List<Integer> rttsMillis, List<Integer> clients, int maxDraftLength, boolean adaptive) {

    static EdgeBenchOptions defaults() {
        return new EdgeBenchOptions(List.of(0, 10, 40, 100), List.of(1, 16), 8, false);
    }
}
