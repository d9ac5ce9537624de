package dev.specula.router.plan;

import java.util.Arrays;
import java.util.List;

/**
 * What the router does with the generated tokens before a front door sees them (vLLM's stop semantics).
 *
 * @param stopTokenIds      generation stops after any of these (besides the model's own end-of-sequence tokens,
 *                          which the backend handles); the stop token's text is not part of the output
 * @param stopStrings       generation stops at the first occurrence of any of these in the output text; the text
 *                          is cut before it unless {@code includeStopString}
 * @param includeStopString keep the matched stop string in the output (vLLM {@code include_stop_str_in_output})
 * @param tokenChunks       emit one chunk per token instead of one per verification round, so the size of a
 *                          streamed event does not reveal how many drafts were accepted (RELIABILITY.md #16)
 */
public record OutputOptions(int[] stopTokenIds, List<String> stopStrings, boolean includeStopString,
                            boolean tokenChunks) {

    public static final OutputOptions NONE = new OutputOptions(new int[0], List.of(), false, false);

    public OutputOptions {
        stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
        Arrays.sort(stopTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    /** True when the output passes through unchanged (chunks as the backend sends them). */
    public boolean passThrough() {
        return stopTokenIds.length == 0 && stopStrings.isEmpty() && !tokenChunks;
    }

    public boolean isStopToken(int token) {
        return Arrays.binarySearch(stopTokenIds, token) >= 0;
    }

    @Override
    public int[] stopTokenIds() {
        return stopTokenIds.clone();
    }
}
