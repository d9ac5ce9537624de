package dev.specula.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.cli.RouterConnection;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.launcher.mesh.MeshOptions;
import dev.specula.launcher.testing.ModelPair;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The concurrency benchmark's reading of the verifier's meters, against a real mesh: a new prompt is prefilled
 * (nothing reused), the same prompt again takes every full block from the prefix cache, and the model calls of
 * each arm are counted apart from the other's.
 */
class VerifierActivityTest {
    private static final String PROMPT = "// activity\npublic static int gcd(int a, int b) {\n"
            + "    while (b != 0) {\n        int t = a % b;\n        a = b;\n        b = t;\n    }\n";

    @Test
    void separatesAPrefilledArmFromACachedOne() {
        ModelPair pair = ModelPair.UNDER_TEST;
        try (LocalMesh mesh = LocalMesh.start(new MeshOptions(pair.drafter(), pair.verifier(), 0, 0, "WARN"));
             RouterConnection connection = new RouterConnection(mesh.router().grpcPort())) {
            MeterRegistry meters = mesh.verifier().context().getBean(MeterRegistry.class);
            RemoteRequest request = new RemoteRequest(PROMPT, GenerationMode.SPECULATIVE, 16, SamplingParams.GREEDY,
                    4, true);

            VerifierActivity start = VerifierActivity.of(meters);
            connection.client().generate(request, (tokens, text) -> true);
            VerifierActivity first = VerifierActivity.of(meters).since(start);
            connection.client().generate(request, (tokens, text) -> true);
            VerifierActivity second = VerifierActivity.of(meters).since(start).since(first);

            // The prompt has more than one full block of 16 tokens, all looked up both times.
            assertThat(first.promptTokens()).isGreaterThanOrEqualTo(32).isEqualTo(second.promptTokens());
            assertThat(first.reusedTokens()).isZero();
            assertThat(second.reusedTokens()).isEqualTo(second.promptTokens());
            // The first arm's prefill is in its rows, not the second's.
            assertThat(first.rows()).isGreaterThan(second.rows() + first.promptTokens() - 16);
            assertThat(second.steps()).isPositive();

            Map<String, Object> row = new HashMap<>();
            second.describe(2.0, row);
            assertThat(row).containsEntry("prompt_tokens_reused", 1.0);
            assertThat((double) row.get("mean_step_rows")).isCloseTo(second.rows() / second.steps(), within(1e-9));
            assertThat((double) row.get("verifier_busy")).isCloseTo(second.stepSeconds() / 2.0, within(1e-9));
        }
    }
}
