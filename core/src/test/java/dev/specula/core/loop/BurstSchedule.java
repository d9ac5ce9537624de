package dev.specula.core.loop;

import java.util.ArrayList;
import java.util.List;

/**
 * A scripted length policy for burst tests: round i drafts {@code lengths[i % n]} tokens, and a plain round asks
 * for {@code extras[i % n]} extra plain steps. Records every trace it is shown.
 */
final class BurstSchedule implements DraftLengthPolicy {
    private final int[] lengths;
    private final int[] extras;
    private int round;
    private int extra;
    final List<RoundTrace> traces = new ArrayList<>();
    final List<Integer> asked = new ArrayList<>();

    BurstSchedule(int[] lengths, int[] extras) {
        this.lengths = lengths;
        this.extras = extras;
    }

    @Override
    public int nextLength(LoopStats stats) {
        int i = round++ % lengths.length;
        extra = extras[i];
        return lengths[i];
    }

    @Override
    public int extraPlainSteps() {
        asked.add(extra);
        return extra;
    }

    @Override
    public void observe(RoundTrace trace) {
        traces.add(trace);
    }
}
