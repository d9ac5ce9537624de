package dev.specula.core.loop;

import java.util.Arrays;

/**
 * When a generation ends: after {@code maxNewTokens} generated tokens, or at any stop token (the stop token
 * is included in the output so callers can tell why it stopped, and nothing after it is emitted).
 */
public record StopCondition(int maxNewTokens, int[] stopTokens) {

    public StopCondition {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max new tokens must be > 0, got " + maxNewTokens);
        }
        stopTokens = stopTokens.clone();
        Arrays.sort(stopTokens);
    }

    public boolean isStopToken(int token) {
        return Arrays.binarySearch(stopTokens, token) >= 0;
    }
}
