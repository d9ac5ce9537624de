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

    private static RoundTrace timed(int accepted, long draftNanos, long verifyNanos, long serverNanos) {
        float[] confidences = {.85f, .85f, .85f, .85f};
        Draft draft = new Draft(new int[confidences.length], null, confidences);
        Verdict verdict = new Verdict(accepted, 0, accepted == confidences.length, new float[accepted], 0f);
        return new RoundTrace(draft, verdict, confidences.length, draftNanos, verifyNanos, VerifierLoad.UNKNOWN,
                serverNanos);
    }

    /** Tokens drafted at confidence 0.85 until the rule stops the draft (the stopping token included). */
    private static int draftedUntilStop(ThresholdDraftLength policy) {
        DraftStopRule rule = policy.stopRule();
        for (int i = 0; i < 32; i++) {
            if (rule.stopAfter(i, 0.85f)) {
                return i + 1;
            }
        }
        return 32;
    }

    private static ThresholdDraftLength after(long draftNanos, long verifyNanos, long serverNanos) {
        ThresholdDraftLength policy = new ThresholdDraftLength(32, 0.3);
        for (int i = 0; i < 6; i++) {
            policy.observe(timed(i % 2 == 0 ? 4 : 2, draftNanos, verifyNanos, serverNanos));
        }
        return policy;
    }

    @Test
    void onALocalLinkTheConfiguredThresholdDecidesAsBefore() {
        ThresholdDraftLength untimed = after(0, 0, -1);
        ThresholdDraftLength inProcess = after(2_000_000, 8_000_000, -1);
        ThresholdDraftLength noNetwork = after(2_000_000, 8_000_000, 8_000_000);
        assertEquals(0.3, untimed.effectiveThreshold(), 0);
        assertEquals(0.3, inProcess.effectiveThreshold(), 0, "the verifier did not split its time");
        assertEquals(0.3, noNetwork.effectiveThreshold(), 0, "the whole round was the verifier's");
        int before = draftedUntilStop(untimed);
        assertEquals(before, draftedUntilStop(inProcess));
        assertEquals(before, draftedUntilStop(noNetwork));
        // Loopback adds a fraction of a millisecond to a 10 ms round: the same draft length.
        assertEquals(before, draftedUntilStop(after(2_000_000, 8_200_000, 8_000_000)));
    }

    @Test
    void aLongerRoundTripLetsDraftsRunLonger() {
        // Local cost 2 ms drafting + 8 ms verifying; 40 ms of network: the threshold scales by 10 / 50.
        ThresholdDraftLength wan = after(2_000_000, 48_000_000, 8_000_000);
        assertEquals(0.3 * 10 / 50, wan.effectiveThreshold(), 1e-9);
        ThresholdDraftLength farther = after(2_000_000, 108_000_000, 8_000_000);
        int local = draftedUntilStop(after(2_000_000, 8_000_000, 8_000_000));
        int at40 = draftedUntilStop(wan);
        int at100 = draftedUntilStop(farther);
        assertTrue(at40 > local, "40 ms link: " + at40 + " tokens vs " + local + " locally");
        assertTrue(at100 > at40, "100 ms link: " + at100 + " vs " + at40 + " at 40 ms");
    }

    @Test
    void theFirstRoundsPrefillIsNotTakenForTheLinksCost() {
        ThresholdDraftLength policy = new ThresholdDraftLength(8, 0.3);
        // The first round's verifier time is mostly prefill; its round trip minus that says nothing either.
        policy.observe(timed(4, 1_000_000, 500_000_000, 10_000_000));
        assertEquals(0.3, policy.effectiveThreshold(), 0);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ThresholdDraftLength(0, 0.3));
        assertThrows(IllegalArgumentException.class, () -> new ThresholdDraftLength(4, 1.0));
    }
}
