package dev.specula.drafter.engine;

import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.VerifierChannel;

/** Everything the shared loop needs for one request; closing it frees the draft KV and the verifier session. */
public record Generation(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy, StopCondition stop)
        implements AutoCloseable {

    @Override
    public void close() {
        try {
            drafter.close();
        } finally {
            verifier.close();
        }
    }
}
