package dev.specula.core.loop;

/** How a generation ended and what it cost. */
public record GenerationOutcome(FinishReason finishReason, LoopStats stats) {
}
