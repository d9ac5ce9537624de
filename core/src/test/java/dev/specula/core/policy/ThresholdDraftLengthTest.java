package dev.specula.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftStopRule;
import dev.specula.core.loop.RoundTrace;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.verify.Verdict;
import org.junit.jupiter.api.Test;

class ThresholdDraftLengthTest {

    private static RoundTrace round(float[] confidences, int accepted) {
        Draft draft = new Draft(new int[confidences.length], null, confidences);
        Verdict verdict = new Verdict(accepted, 0, accepted == confidences.length, new float[accepted], 0f);
        return new RoundTrace(draft, verdict, confidences.length, 0, 0, VerifierLoad.UNKNOWN);
    }

    @Test
    void beforeAnyDataTheConfidenceIsTakenAtItsBinCentreAndTheProductDecides() {
        ThresholdDraftLength policy = new ThresholdDraftLength(8, 0.3);
        assertEquals(8, policy.nextLength(null));
        DraftStopRule rule = policy.stopRule();
        assertFalse(rule.stopAfter(0, 0.92f), "0.95");
        assertFalse(rule.stopAfter(1, 0.81f), "0.95 · 0.85 = 0.81");
        assertFalse(rule.stopAfter(2, 0.5f), "· 0.55 = 0.44");
        assertTrue(rule.stopAfter(3, 0.6f), "· 0.65 = 0.29 < 0.3");
        assertTrue(policy.stopRule().stopAfter(0, 0.2f), "a fresh product per round: 0.25 < 0.3 at once");
    }

    @Test
    void theCalibrationLearnsThatAConfidentDrafterIsOftenWrong() {
        ThresholdDraftLength policy = new ThresholdDraftLength(8, 0.3);
        assertEquals(0.95, policy.predictAcceptance(0.93f), 1e-12);
        // Six tokens of confidence ~0.93 examined: three accepted, then the fourth rejected; twice.
        policy.observe(round(new float[] {.93f, .94f, .95f, .93f, .99f}, 3));
        policy.observe(round(new float[] {.93f, .94f, .95f, .93f}, 3));
        // Bin 0.9..1.0: 8 examined, 6 accepted (tokens after the rejection were never examined).
        assertEquals((6 + 4 * 0.95) / (8 + 4), policy.predictAcceptance(0.97f), 1e-12);
        // 0.817^i: 0.82, 0.67, 0.54, 0.44, 0.36, then 0.297 < 0.3 ends the draft after the sixth token.
        DraftStopRule rule = policy.stopRule();
        for (int i = 0; i < 5; i++) {
            assertFalse(rule.stopAfter(i, 0.95f), "token " + i);
        }
        assertTrue(rule.stopAfter(5, 0.95f));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ThresholdDraftLength(0, 0.3));
        assertThrows(IllegalArgumentException.class, () -> new ThresholdDraftLength(4, 1.0));
    }
}
