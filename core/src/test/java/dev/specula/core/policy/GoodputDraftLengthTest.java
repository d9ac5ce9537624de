package dev.specula.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.RoundTrace;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.verify.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The goodput choice of k from measured acceptance, draft cost, round latency and verifier load, with rounds fed
 * by hand: k = 0 whenever speculation would add latency.
 */
class GoodputDraftLengthTest {
    private static final long ROUND = 10_000_000; // 10 ms for a round without drafts

    /**
     * A round of {@code k} drafts of which {@code accepted} passed, drafting at {@code draftNanosPerToken}, and a
     * verify latency following R(k) = ROUND · (1 + sigma · k).
     */
    private static RoundTrace round(int k, int accepted, long draftNanosPerToken, double sigma, VerifierLoad load) {
        return round(k, accepted, draftNanosPerToken, sigma, load, 1);
    }

    /** As above with every latency {@code slowdown} times longer (cores time-shared with other sessions). */
    private static RoundTrace round(int k, int accepted, long draftNanosPerToken, double sigma, VerifierLoad load,
                                    int slowdown) {
        Draft draft = new Draft(new int[k], null, new float[k]);
        Verdict verdict = new Verdict(accepted, 0, accepted == k, new float[accepted], 0f);
        long verify = (long) (slowdown * ROUND * (1 + sigma * k * load.sharers()));
        return new RoundTrace(draft, verdict, k, slowdown * draftNanosPerToken * k, verify, load);
    }

    private static GoodputDraftLength fed(double acceptance, long draftNanosPerToken, double sigma, VerifierLoad load) {
        return fed(acceptance, draftNanosPerToken, sigma, load, 1);
    }

    private static GoodputDraftLength fed(double acceptance, long draftNanosPerToken, double sigma, VerifierLoad load,
                                          int slowdown) {
        GoodputDraftLength policy = new GoodputDraftLength(8, 4, 0.1);
        for (int i = 0; i < 60; i++) {
            int k = 2 + i % 5; // varied lengths, so the latency slope is measured rather than assumed
            int accepted = (int) Math.round(acceptance * k);
            policy.observe(round(k, accepted, draftNanosPerToken, sigma, load, slowdown));
        }
        return policy;
    }

    @Test
    void startsWithTheInitialLengthUntilSomethingIsMeasured() {
        GoodputDraftLength policy = new GoodputDraftLength(8, 4, 0.1);
        assertEquals(4, policy.nextLength(null));
        policy.observe(round(4, 4, 1_000_000, 0.1, VerifierLoad.UNKNOWN));
        assertEquals(4, policy.nextLength(null), "the first round's timings carry the prefill and are skipped");
    }

    @Test
    void aGoodCheapDrafterOnAMemoryBoundVerifierDraftsLong() {
        GoodputDraftLength policy = fed(0.9, 500_000, 0.05, new VerifierLoad(1, 0, 1));
        assertTrue(policy.acceptance() > 0.8, "alpha " + policy.acceptance());
        assertTrue(policy.nextLength(null) >= 6, "k = " + policy.nextLength(null));
    }

    @Test
    void aPoorDrafterMeansPlainDecoding() {
        GoodputDraftLength policy = fed(0.0, 2_000_000, 0.05, new VerifierLoad(1, 0, 1));
        assertEquals(0, policy.nextLength(null), "alpha " + policy.acceptance());
    }

    @Test
    void aDrafterAsSlowAsTheVerifierMeansPlainDecodingEvenWhenAlwaysRight() {
        GoodputDraftLength policy = fed(1.0, ROUND, 0.05, new VerifierLoad(1, 0, 1));
        assertEquals(0, policy.nextLength(null));
    }

    @Test
    void aComputeBoundBatchedVerifierTurnsSpeculationOff() {
        VerifierLoad alone = new VerifierLoad(1, 0, 1);
        VerifierLoad crowded = new VerifierLoad(64, 16, 48);
        GoodputDraftLength policy = fed(0.8, 500_000, 0.05, alone);
        int lengthAlone = policy.nextLength(null);
        assertTrue(lengthAlone >= 3, "k alone = " + lengthAlone);
        // Same drafter and text; now 64 sessions share the forward passes, so σ · sharers ≥ 1.
        policy.observe(round(2, 2, 500_000, 0.05, crowded));
        assertEquals(0, policy.nextLength(null), "every drafted token now costs a whole step");
    }

    @Test
    void manySessionsWithoutSharedForwardsDoNotChangeTheChoice() {
        // A CPU verifier without batching: 32 open sessions time-share the cores; every latency the session
        // measures grows alike, so the best k stays what it is for one session.
        GoodputDraftLength one = fed(0.8, 500_000, 0.05, new VerifierLoad(1, 0, 1));
        GoodputDraftLength many = fed(0.8, 500_000, 0.05, new VerifierLoad(32, 0, 1), 16);
        assertEquals(one.nextLength(null), many.nextLength(null),
                one.nextLength(null) + " vs " + many.nextLength(null));
    }

    @Test
    void afterManyPlainStepsItProbesWithAShortDraft() {
        GoodputDraftLength policy = fed(0.0, 2_000_000, 0.05, new VerifierLoad(1, 0, 1));
        int drafted = 0;
        for (int i = 0; i < GoodputDraftLength.PROBE_AFTER + 1; i++) {
            drafted += policy.nextLength(null);
        }
        assertEquals(GoodputDraftLength.PROBE_LENGTH, drafted, "one probe after " + GoodputDraftLength.PROBE_AFTER);
    }

    @Test
    void overALongRoundTripTheVerifiersOwnTimeDecidesWhatADraftCosts() {
        long network = 40_000_000; // 40 ms round trip
        long forward = 1_000_000;  // 1 ms verifier step, +5% per drafted token
        GoodputDraftLength reported = new GoodputDraftLength(8, 4, 0.1);
        GoodputDraftLength unreported = new GoodputDraftLength(8, 4, 0.1);
        for (int i = 0; i < 60; i++) {
            int k = 3 + i % 3;
            int accepted = (int) Math.round(0.7 * k);
            Draft draft = new Draft(new int[k], null, new float[k]);
            Verdict verdict = new Verdict(accepted, 0, accepted == k, new float[accepted], 0f);
            long server = (long) (forward * (1 + 0.05 * k));
            VerifierLoad alone = new VerifierLoad(1, 0, 1);
            reported.observe(new RoundTrace(draft, verdict, k, 100_000L * k, network + server, alone, server));
            unreported.observe(new RoundTrace(draft, verdict, k, 100_000L * k, network + server, alone));
        }
        // Drafting and verifying more tokens is nearly free next to the round trip: draft to the cap.
        assertEquals(8, reported.nextLength(null));
        // Without the split, the prior prices every drafted token at a tenth of the whole 40 ms round.
        assertTrue(unreported.nextLength(null) < 8, "k = " + unreported.nextLength(null));
    }

    /**
     * A poor, slow drafter (nothing accepted, 50 ms a token) over a link of {@code network} ns to a verifier taking
     * 2 ms a step, which reports its own time unless {@code serverReported} < 0.
     */
    private static GoodputDraftLength poorDrafterOver(long network, long serverReported) {
        GoodputDraftLength policy = new GoodputDraftLength(8, 4, 0.1);
        for (int i = 0; i < 60; i++) {
            int k = 2 + i % 5;
            Draft draft = new Draft(new int[k], null, new float[k]);
            Verdict verdict = new Verdict(0, 0, false, new float[1], 0f);
            long server = (long) (2_000_000 * (1 + 0.05 * k));
            policy.observe(new RoundTrace(draft, verdict, k, 50_000_000L * k, network + server,
                    new VerifierLoad(1, 0, 1), serverReported < 0 ? -1 : server));
        }
        return policy;
    }

    @Test
    void plainDecodingOverALongRoundTripAsksForABurstThatAmortisesIt() {
        GoodputDraftLength wan = poorDrafterOver(9_000_000, 0);
        assertEquals(0, wan.nextLength(null));
        // n / r = 9 ms / 2 ms: five steps per round trip, the round's own and four extra.
        assertEquals(4, wan.extraPlainSteps());

        GoodputDraftLength far = poorDrafterOver(100_000_000, 0);
        assertEquals(0, far.nextLength(null));
        assertEquals(8, far.extraPlainSteps(), "capped at K: a round never commits more than K + 1 tokens");
    }

    @Test
    void noBurstOnALocalLinkWhenDraftingOrWhenTheVerifierDoesNotSplitItsTime() {
        GoodputDraftLength local = poorDrafterOver(100_000, 0);
        assertEquals(0, local.nextLength(null));
        assertEquals(0, local.extraPlainSteps(), "the round trip is below one step: nothing to amortise");

        GoodputDraftLength unsplit = poorDrafterOver(9_000_000, -1);
        assertEquals(0, unsplit.nextLength(null));
        assertEquals(0, unsplit.extraPlainSteps(), "without verify_micros the network time is unknown");

        GoodputDraftLength drafting = fed(0.9, 500_000, 0.05, new VerifierLoad(1, 0, 1));
        assertTrue(drafting.nextLength(null) > 0);
        assertEquals(0, drafting.extraPlainSteps(), "bursts only follow a chosen plain step");
    }

    @Test
    void aBurstsStepsCountTowardsTheProbe() {
        GoodputDraftLength policy = poorDrafterOver(9_000_000, 0);
        assertEquals(0, policy.nextLength(null));
        int extra = policy.extraPlainSteps();
        assertEquals(4, extra);
        Verdict burst = new Verdict(0, 0, true, new float[0], 0f, new int[extra]);
        for (int i = 0; i < 3; i++) {
            policy.observe(new RoundTrace(Draft.EMPTY, burst, 0, 0, 11_000_000, new VerifierLoad(1, 0, 1),
                    2_000_000));
            assertEquals(0, policy.nextLength(null), "round " + i);
        }
        // 4 rounds of 1 + 4 steps = 20 plain steps >= PROBE_AFTER (16): the next round probes.
        policy.observe(new RoundTrace(Draft.EMPTY, burst, 0, 0, 11_000_000, new VerifierLoad(1, 0, 1), 2_000_000));
        assertEquals(GoodputDraftLength.PROBE_LENGTH, policy.nextLength(null));
    }
}
