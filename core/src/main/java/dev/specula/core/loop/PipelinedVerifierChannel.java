package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;
import java.util.Optional;

/**
 * A verifier channel that can have several rounds in flight: {@link #submit} sends without waiting and
 * {@link #awaitVerdict} returns verdicts in submission order. Continuation rounds follow {@link PipelineGate}'s
 * rule; a discarded round's verdict is empty. {@link #verify} stays available for one round at a time.
 */
public interface PipelinedVerifierChannel extends VerifierChannel {

    /** Sends one round without waiting for its verdict. */
    void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious);

    /**
     * Sends one round that may be followed by up to {@code extraPlainSteps} plain steps on the verifier (see
     * {@link VerifierChannel#verify(int[], Draft, int)}); by default the steps are not asked for.
     */
    default void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious, int extraPlainSteps) {
        submit(uncheckedContext, draft, continuesPrevious);
    }

    /** The verdict of the oldest submitted round not yet returned; empty if the verifier discarded that round. */
    Optional<Verdict> awaitVerdict();

    @Override
    default Verdict verify(int[] uncheckedContext, Draft draft) {
        return verify(uncheckedContext, draft, 0);
    }

    @Override
    default Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        submit(uncheckedContext, draft, false, extraPlainSteps);
        return awaitVerdict().orElseThrow(() -> new IllegalStateException("the verifier discarded a plain round"));
    }
}
