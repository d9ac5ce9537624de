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

    /** The verdict of the oldest submitted round not yet returned; empty if the verifier discarded that round. */
    Optional<Verdict> awaitVerdict();

    @Override
    default Verdict verify(int[] uncheckedContext, Draft draft) {
        submit(uncheckedContext, draft, false);
        return awaitVerdict().orElseThrow(() -> new IllegalStateException("the verifier discarded a plain round"));
    }
}
