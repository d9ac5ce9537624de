package dev.specula.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specula.core.loop.Draft;
import dev.specula.core.verify.Verdict;
import org.junit.jupiter.api.Test;

class EntropySwitchTest {

    private static Draft draft(float... entropies) {
        return new Draft(new int[entropies.length], null, new float[entropies.length], entropies);
    }

    @Test
    void trustsTheSmallModelWhileTheRollingEntropyStaysBelowTheThreshold() {
        EntropySwitch entropySwitch = new EntropySwitch(3, 1.0);
        assertEquals(3, entropySwitch.unverifiedPrefix(draft(0.2f, 0.4f, 0.3f)));
        // The javadoc's example: [0.4 0.3 0.1] → 0.27 trusted; [0.3 0.1 2.9] → 1.1 not.
        assertEquals(1, entropySwitch.unverifiedPrefix(draft(0.1f, 2.9f, 0.1f)));
        assertEquals((0.4 + 0.3 + 0.1) / 3, entropySwitch.rollingEntropy(), 1e-6);
    }

    @Test
    void verifiedPositionsOnTheCommittedPathEnterTheWindow() {
        EntropySwitch entropySwitch = new EntropySwitch(2, 1.0);
        assertEquals(0, entropySwitch.unverifiedPrefix(draft(3f, 0f, 0f)), "the first token is uncertain");
        // Verified: token 0 accepted, token 1 rejected; token 2's entropy was measured after a rejected token.
        entropySwitch.observe(draft(3f, 0.5f, 0f), new Verdict(1, 7, false, new float[2], 0f));
        assertEquals(1.75, entropySwitch.rollingEntropy(), 1e-6);
        assertEquals(1, entropySwitch.unverifiedPrefix(draft(0.9f, 1.5f)), "(0.5 + 0.9) / 2 = 0.7, (0.9 + 1.5) / 2 = 1.2");
    }

    @Test
    void draftsWithoutEntropiesAreNeverTrusted() {
        EntropySwitch entropySwitch = new EntropySwitch(4, 10.0);
        assertEquals(0, entropySwitch.unverifiedPrefix(new Draft(new int[3], null, new float[3])));
    }
}
