package dev.specula.service.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What a service may answer to a fuzzed frame (see {@link FrameFuzzer}). */
public final class FuzzOutcomes {
    /**
     * A refusal of the frame (INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, NOT_FOUND) or,
     * when the random bytes happen to parse as an acceptable request, OK. Never DEADLINE_EXCEEDED (the server hung),
     * nor UNKNOWN, INTERNAL or UNAVAILABLE (an exception escaped or the server broke).
     */
    public static final Set<Status.Code> ALLOWED = EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.OUT_OF_RANGE, Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.NOT_FOUND);

    private FuzzOutcomes() {
    }

    public static void assertEveryCallEndedWithAStatus(List<FrameFuzzer.Outcome> outcomes) {
        assertThat(outcomes).as("fuzzed calls").isNotEmpty();
        assertThat(outcomes).as("codes per method: %s", histogram(outcomes))
                .allSatisfy(o -> assertThat(o.status().getCode()).as("%s", o).isIn(ALLOWED));
        assertThat(outcomes).as("most random frames are refused, not accepted: %s", histogram(outcomes))
                .anySatisfy(o -> assertThat(o.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    /** method → code → count, for the failure message. */
    public static Map<String, Map<Status.Code, Integer>> histogram(List<FrameFuzzer.Outcome> outcomes) {
        Map<String, Map<Status.Code, Integer>> out = new TreeMap<>();
        for (FrameFuzzer.Outcome o : outcomes) {
            out.computeIfAbsent(o.method(), m -> new TreeMap<>()).merge(o.status().getCode(), 1, Integer::sum);
        }
        return out;
    }
}
