package dev.specula.core.sampling;

import dev.specula.core.random.CounterRng;
import dev.specula.core.random.Purpose;

/** How a drafter draws its token at an absolute position, so that its randomness is keyed like the verifier's. */
public final class DraftSampling {

    private DraftSampling() {
    }

    /**
     * Draws the drafted token at {@code position} from {@code draftProbs} with the {@link Purpose#DRAFT} stream.
     * A one-token distribution (greedy's point mass) returns that token and draws nothing.
     */
    public static int drawDraftToken(SparseDistribution draftProbs, long seed, long position) {
        if (draftProbs.size() == 1) {
            return draftProbs.token(0);
        }
        return TokenSampler.sample(draftProbs, CounterRng.uniform(seed, position, Purpose.DRAFT));
    }
}
