package dev.specula.core.loop;

/** Receives committed tokens as each round finishes. Returning false cancels the generation. */
@FunctionalInterface
public interface TokenSink {

    /**
     * @param tokens tokens committed by one round, in order (at least one)
     * @return false to stop generating (client cancelled)
     */
    boolean accept(int[] tokens);
}
