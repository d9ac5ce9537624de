package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;

/**
 * The loop's one remote call per round: send a draft, get a verdict. Implementations: an in-process verifier
 * over a local model, or one bidirectional gRPC stream to a verifier service (one message each way per round).
 *
 * <p>The channel was opened on the prompt; after that the verifier's committed sequence equals the loop's,
 * except for {@code uncheckedContext}: tokens the loop committed without verification (entropy-adaptive mode)
 * that the verifier must take as plain context before checking the draft.
 */
public interface VerifierChannel extends AutoCloseable {

    /**
     * Verifies one draft. Every verdict commits at least one token (accepted drafts + one recovered or bonus).
     *
     * @param uncheckedContext tokens to append as context before the draft; usually empty
     * @param draft            the drafted tokens (possibly none: a plain decoding step)
     */
    Verdict verify(int[] uncheckedContext, Draft draft);

    /**
     * Verifies one draft and then lets the verifier take up to {@code extraPlainSteps} plain decoding steps on
     * its own, returned as the verdict's {@link Verdict#extraTokens()}: a target-only burst in one round trip.
     * Each step is exactly a following {@code verify(none, Draft.EMPTY)}, so the committed tokens are those of
     * that many plain rounds (lossless by construction). A verifier may take fewer; by default it takes none.
     */
    default Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        return verify(uncheckedContext, draft);
    }

    /**
     * A burst as a local verifier takes it: the round, then {@code extraPlainSteps} plain rounds one after another,
     * folded into one verdict (the last step's target entropy stands for the round's).
     */
    static Verdict verifyThenPlainSteps(VerifierChannel channel, int[] uncheckedContext, Draft draft,
                                        int extraPlainSteps) {
        Verdict verdict = channel.verify(uncheckedContext, draft);
        if (extraPlainSteps <= 0) {
            return verdict;
        }
        int[] extra = new int[extraPlainSteps];
        float entropy = verdict.targetEntropy();
        for (int i = 0; i < extra.length; i++) {
            Verdict step = channel.verify(new int[0], Draft.EMPTY);
            extra[i] = step.nextToken();
            entropy = step.targetEntropy();
        }
        return verdict.withExtraTokens(extra, entropy);
    }

    /**
     * Nanoseconds the verifier itself spent on the latest round, as it reported with the verdict; -1 when it does
     * not report (in process the caller's own timing is the verifier's).
     */
    default long lastServerNanos() {
        return -1;
    }

    /** The verifier's load as reported with the latest verdict; {@link VerifierLoad#UNKNOWN} by default. */
    default VerifierLoad load() {
        return VerifierLoad.UNKNOWN;
    }

    @Override
    void close();
}
