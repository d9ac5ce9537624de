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

    static GenerationStats stats(SpeculationStats stats) {
        long[] perPosition = new long[stats.getAcceptedPerPositionCount()];
        for (int i = 0; i < perPosition.length; i++) {
            perPosition[i] = stats.getAcceptedPerPosition(i);
        }
        return new GenerationStats(stats.getRounds(), stats.getDrafts(), stats.getDraftTokens(),
                stats.getAcceptedTokens(), perPosition, stats.getAcceptanceRate(), stats.getMeanAcceptanceLength());
    }
}
