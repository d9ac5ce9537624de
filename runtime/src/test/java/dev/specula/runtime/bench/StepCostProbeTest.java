package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.TestModels;
import org.junit.jupiter.api.Test;

class StepCostProbeTest {

    @Test
    void measuresEveryWidthAndTheRatios() {
        DecoderModel tiny = TestModels.tiny();
        StepCosts costs = new StepCostProbe(64, 8, 2, 5).measure(tiny, tiny);
        assertEquals(64, costs.pastTokens());
        assertEquals(8, costs.verifierMillis().length);
        for (double millis : costs.verifierMillis()) {
            assertTrue(millis > 0 && millis < 1_000, "ms " + millis);
        }
        assertEquals(costs.verifierMillis(5) / costs.verifierMillis(1), costs.verify5OverStep1(), 1e-12);
        assertEquals(costs.drafterMillis() / costs.verifierMillis(1), costs.drafterOverVerifier(), 1e-12);
        JsonObject json = JsonParser.parseString(StepCostProbe.json(costs)).getAsJsonObject();
        assertEquals(8, json.getAsJsonObject("verifier_ms").size());
        assertTrue(json.has("verify5_over_step1") && json.has("drafter_over_verifier"));
        assertTrue(StepCostProbe.table(costs).contains("drafter_over_verifier"));
    }
}
