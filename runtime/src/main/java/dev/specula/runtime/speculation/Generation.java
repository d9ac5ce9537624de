package dev.specula.runtime.speculation;

import dev.specula.core.loop.GenerationOutcome;

/**
 * The result of an in-process generation.
 *
 * @param tokens  generated tokens (prompt excluded), including a final stop token if one ended it
 * @param outcome finish reason and loop statistics
 */
public record Generation(int[] tokens, GenerationOutcome outcome) {
}
