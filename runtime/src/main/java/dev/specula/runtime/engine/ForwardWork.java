package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One session's forward request, possibly fed in several chunks: tokens [offset, tokens.length) are still to
 * go. {@code startLength} is the cache length before the first chunk, to roll back to if a later chunk fails.
 */
final class ForwardWork {
    final DecoderSession session;
    final int[] tokens;
    final int rows;
    final int startLength;
    final CompletableFuture<float[]> result = new CompletableFuture<>();
    int offset;
    /** Sessions in the step that ran the final chunk; written before {@link #result} completes, read after. */
    int batchSize = 1;

    ForwardWork(DecoderSession session, int[] tokens, int rows) {
        this.session = session;
        this.tokens = tokens;
        this.rows = rows;
        this.startLength = session.length();
    }

    /**
     * Tokens of the next chunk: all that remain if they fit in {@code chunk}; otherwise {@code chunk}, shortened
     * so the final chunk still holds the {@code rows} positions whose logits are wanted.
     */
    int nextChunk(int chunk) {
        int remaining = tokens.length - offset;
        if (remaining <= chunk) {
            return remaining;
        }
        int end = offset + chunk;
        if (tokens.length - end < rows) {
            end = tokens.length - rows;
        }
        return Math.max(1, end - offset);
    }

    boolean isFinal(int chunkLength) {
        return offset + chunkLength == tokens.length;
    }

    /** Waits for the scheduler, ignoring interrupts: the session must not be touched while its forward may run. */
    float[] await() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
