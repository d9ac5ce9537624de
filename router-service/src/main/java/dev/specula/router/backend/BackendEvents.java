package dev.specula.router.backend;

import dev.specula.core.loop.FinishReason;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.router.plan.GenerationStats;

/** Maps the backends' summary messages to the router's domain types. */
final class BackendEvents {

    private BackendEvents() {
    }

    static FinishReason finishReason(GenerationSummary summary) {
        return switch (summary.getFinishReason()) {
            case FINISH_REASON_STOP -> FinishReason.STOP;
            case FINISH_REASON_CANCELLED -> FinishReason.CANCELLED;
            default -> FinishReason.LENGTH;
        };
    }

    static GenerationStats stats(GenerationSummary summary) {
        SpeculationStats stats = summary.getStats();
        long[] perPosition = new long[stats.getAcceptedPerPositionCount()];
        for (int i = 0; i < perPosition.length; i++) {
            perPosition[i] = stats.getAcceptedPerPosition(i);
        }
        return new GenerationStats(stats.getRounds(), stats.getDrafts(), stats.getDraftTokens(),
                stats.getAcceptedTokens(), perPosition, stats.getAcceptanceRate(), stats.getMeanAcceptanceLength(),
                stats.getMeanDraftLength(), stats.getZeroDraftRounds(), stats.getDraftLengthChanges(),
                stats.getUnverifiedTokens(), stats.getModelSwitches(),
                // Backends that predate policies leave it 0 although the verifier decided everything.
                stats.getUnverifiedTokens() == 0 ? 1.0 : stats.getLargeModelTokenFraction(),
                stats.getEscalations(), stats.getCascadeScore(), stats.getNgramDrafts(),
                label(summary.getDraftSource().name(), "DRAFT_SOURCE_KIND_"),
                label(summary.getDraftLengthMode().name(), "DRAFT_LENGTH_MODE_"));
    }

    /** DRAFT_SOURCE_KIND_HYBRID → "hybrid"; unspecified → "". */
    private static String label(String name, String prefix) {
        String bare = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        return bare.equals("UNSPECIFIED") || bare.equals("UNRECOGNIZED") ? ""
                : bare.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
