package dev.specula.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.core.loop.FixedDraftLength;
import org.junit.jupiter.api.Test;

class SpeculationPlanTest {

    @Test
    void buildsFreshPoliciesForEachGeneration() {
        SpeculationPlan fixed = SpeculationPlan.DEFAULTS;
        assertEquals(new FixedDraftLength(4), fixed.newLengthPolicy());
        SpeculationPlan adaptive = fixed.withLengths(DraftLengthMode.ADAPTIVE, 2, 12);
        assertInstanceOf(AdaptiveDraftLength.class, adaptive.newLengthPolicy());
        assertNotSame(adaptive.newLengthPolicy(), adaptive.newLengthPolicy(), "policies keep per-request state");
        assertEquals(12, adaptive.maxDraftLength());
        assertNotSame(fixed.newEntropySwitch(), fixed.newEntropySwitch());
    }

    @Test
    void refusesInconsistentSettings() {
        SpeculationPlan d = SpeculationPlan.DEFAULTS;
        assertThrows(IllegalArgumentException.class, () -> d.withLengths(DraftLengthMode.FIXED, 9, 8));
        assertThrows(IllegalArgumentException.class, () -> d.withLengths(DraftLengthMode.ADAPTIVE, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> d.withEntropy(0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> d.withEntropy(8, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new SpeculationPlan(DraftSourceKind.NGRAM,
                DraftLengthMode.FIXED, 4, 8, 0.3, 0.1, 5, 4, 8, 1.0, d.cascade()));
    }
}
