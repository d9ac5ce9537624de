package dev.specula.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import org.junit.jupiter.api.Test;

class CascadeRuleTest {
    private static final Draft ANSWER = new Draft(new int[] {1, 2, 3}, null, new float[] {0.9f, 0.4f, 0.8f},
            new float[] {0.2f, 1.3f, 0.4f});

    @Test
    void meanEntropyReturnsASureAnswerAndEscalatesAnUnsureOne() {
        assertEquals(0.6333, new CascadeRule(CascadeMetric.MEAN_ENTROPY, 1.0).score(ANSWER), 1e-4);
        assertTrue(new CascadeRule(CascadeMetric.MEAN_ENTROPY, 1.0).accepts(ANSWER));
        assertFalse(new CascadeRule(CascadeMetric.MEAN_ENTROPY, 0.5).accepts(ANSWER));
    }

    @Test
    void minimumProbabilityLooksAtTheWeakestToken() {
        assertEquals(0.4, new CascadeRule(CascadeMetric.MIN_PROBABILITY, 0.3).score(ANSWER), 1e-6);
        assertTrue(new CascadeRule(CascadeMetric.MIN_PROBABILITY, 0.3).accepts(ANSWER));
        assertFalse(new CascadeRule(CascadeMetric.MIN_PROBABILITY, 0.5).accepts(ANSWER));
    }

    @Test
    void anEmptyOrUnscorableAnswerEscalates() {
        assertFalse(new CascadeRule(CascadeMetric.MEAN_ENTROPY, 5).accepts(Draft.EMPTY));
        assertFalse(new CascadeRule(CascadeMetric.MEAN_ENTROPY, 5).accepts(new Draft(new int[1], null, new float[1])),
                "no entropies measured (NaN)");
    }
}
