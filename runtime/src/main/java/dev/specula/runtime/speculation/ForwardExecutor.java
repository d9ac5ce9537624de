package dev.specula.runtime.speculation;

import dev.specula.runtime.decoder.DecoderSession;

/**
 * Who runs a {@link VerifierSession}'s forward passes. {@link #DIRECT} calls the model on the caller's thread
 * (in-process decoding, the benchmarks' baseline); the verifier service plugs in a scheduler that batches the
 * forwards of many sessions into one model call.
 *
 * <p>Contract: exactly {@link DecoderSession#forwardLast} — feed {@code tokens} after the cached ones, return the
 * logits of the last {@code rows} positions (flat [rows * vocab]), all-or-nothing on failure. The caller owns the
 * session and does not touch it until the call returns.
 */
@FunctionalInterface
public interface ForwardExecutor {

    ForwardExecutor DIRECT = DecoderSession::forwardLast;

    float[] forwardLast(DecoderSession session, int[] tokens, int rows);
}
