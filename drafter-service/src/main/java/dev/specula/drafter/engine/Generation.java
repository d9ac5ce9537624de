package dev.specula.drafter.engine;

import dev.specula.client.verify.GrpcVerifierChannel;

import dev.specula.core.loop.AlwaysVerify;
import dev.specula.core.loop.DraftLengthPolicy;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.SwitchingPolicy;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import java.util.function.LongSupplier;

/**
 * Everything the shared loop needs for one request, and what to report about it; closing it frees the draft KV
 * and the verifier session.
 *
 * @param switching   which drafted tokens may commit unverified ({@link AlwaysVerify} unless entropy-adaptive)
 * @param source      what drafts (for the summary and the metrics)
 * @param lengthMode  how draft lengths are chosen
 * @param ngramDrafts rounds drafted by n-gram lookup so far
 */
public record Generation(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy,
                         SwitchingPolicy switching, StopCondition stop, DraftSourceKind source,
                         DraftLengthMode lengthMode, LongSupplier ngramDrafts) implements AutoCloseable {

    /** A lossless generation with model drafts of fixed length. */
    public Generation(DraftSource drafter, VerifierChannel verifier, DraftLengthPolicy policy, StopCondition stop) {
        this(drafter, verifier, policy, AlwaysVerify.INSTANCE, stop, DraftSourceKind.MODEL, DraftLengthMode.FIXED,
                () -> 0);
    }

    /** Prompt tokens the verifier restored from a KV cache instead of prefilling (0 for a local verifier). */
    public int cachedTokens() {
        return verifier instanceof GrpcVerifierChannel remote ? remote.opened().getCachedTokens() : 0;
    }

    @Override
    public void close() {
        try {
            drafter.close();
        } finally {
            verifier.close();
        }
    }
}
