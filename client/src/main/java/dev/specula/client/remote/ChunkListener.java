package dev.specula.client.remote;

/** Receives each chunk of a remote generation as it arrives (one verification round's tokens, usually). */
@FunctionalInterface
public interface ChunkListener {

    /**
     * @param tokens how many tokens the chunk carries (0 for a chunk that only completes a character)
     * @param text   their text, possibly empty while a multi-byte character is incomplete
     * @return false to cancel the generation
     */
    boolean onChunk(int tokens, String text);
}
