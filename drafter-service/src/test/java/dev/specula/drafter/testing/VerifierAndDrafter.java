package dev.specula.drafter.testing;

import dev.specula.drafter.DrafterApplication;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationListener;

/**
 * A real verifier service and a drafter service dialling it over gRPC on loopback, both on one model pair: what most
 * drafter tests run against. Closing stops the drafter, then the verifier.
 */
public record VerifierAndDrafter(RunningService verifier, RunningService drafter) implements AutoCloseable {

    /** {@link #start(ModelPair, int, Map, Map, List)} with 2 threads a model and no extra verifier setting. */
    public static VerifierAndDrafter start(ModelPair pair, Map<String, String> drafterProperties) {
        return start(pair, 2, Map.of(), drafterProperties, List.of());
    }

    /**
     * @param threads            ONNX Runtime intra-op threads of each model
     * @param verifierProperties settings beyond the model and threads
     * @param drafterProperties  settings beyond the model, threads and the verifier's address
     * @param drafterListeners   listeners of the drafter's application (e.g. to register test beans)
     */
    public static VerifierAndDrafter start(ModelPair pair, int threads, Map<String, String> verifierProperties,
                                           Map<String, String> drafterProperties,
                                           List<ApplicationListener<?>> drafterListeners) {
        Map<String, String> verifierSettings = new HashMap<>(verifierProperties);
        verifierSettings.put("specula.verifier.model-path", pair.verifier().toString());
        verifierSettings.put("specula.verifier.intra-op-threads", Integer.toString(threads));
        RunningService verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME,
                verifierSettings);
        try {
            Map<String, String> drafterSettings = new HashMap<>(drafterProperties);
            drafterSettings.put("specula.drafter.model-path", pair.drafter().toString());
            drafterSettings.put("specula.drafter.intra-op-threads", Integer.toString(threads));
            drafterSettings.put("spring.grpc.client.channel.verifier.target", verifier.target());
            return new VerifierAndDrafter(verifier, RunningService.start(DrafterApplication.class,
                    DrafterApplication.CONFIG_NAME, drafterSettings, drafterListeners));
        } catch (RuntimeException | Error e) {
            verifier.close();
            throw e;
        }
    }

    public VerifierEngine verifierEngine() {
        return verifier.bean(VerifierEngine.class);
    }

    @Override
    public void close() {
        try {
            drafter.close();
        } finally {
            verifier.close();
        }
    }
}
