package dev.specula.launcher.bench;

import dev.specula.runtime.bench.StepCostProbe;
import dev.specula.runtime.bench.StepCosts;
import dev.specula.runtime.decoder.DecoderModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The verifier's forward cost for 1..8 new tokens and the drafter's per-token cost, in process. */
final class StepCostsScenario implements Scenario {

    @Override
    public String name() {
        return "step-costs";
    }

    @Override
    public String description() {
        return "verifier forward cost for 1..8 new tokens vs the drafter's per-token cost";
    }

    @Override
    public BenchReport run(BenchOptions options) {
        StepCosts costs = measure(options);
        List<Map<String, Object>> rows = new ArrayList<>();
        double[] millis = costs.verifierMillis();
        for (int n = 1; n <= millis.length; n++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("new_tokens", n);
            row.put("verifier_ms", millis[n - 1]);
            row.put("over_step1", millis[n - 1] / millis[0]);
            rows.add(row);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("past_tokens", costs.pastTokens());
        summary.put("verifier_step1_ms", millis[0]);
        summary.put("drafter_step_ms", costs.drafterMillis());
        summary.put("verify5_over_step1", costs.verify5OverStep1());
        summary.put("drafter_over_verifier", costs.drafterOverVerifier());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    static StepCosts measure(BenchOptions options) {
        try (DecoderModel verifier = DecoderModel.load(options.mesh().verifierModel());
             DecoderModel drafter = DecoderModel.load(options.mesh().drafterModel())) {
            return StepCostProbe.defaults().measure(verifier, drafter);
        }
    }
}
