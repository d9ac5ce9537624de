package dev.specula.verifier.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Verifier configuration ({@code specula.verifier.*}), mapped 1:1 from Helm values.
 *
 * @param modelPath       folder of the target model (Optimum ONNX layout with config.json and tokenizer.json)
 * @param maxSessions     concurrent sessions admitted; more are refused with RESOURCE_EXHAUSTED
 * @param maxNewTokensCap largest max_new_tokens a session may ask for
 * @param intraOpThreads  ONNX Runtime intra-op threads; 0 = available processors
 */
@ConfigurationProperties("specula.verifier")
public record VerifierProperties(Path modelPath, int maxSessions, int maxNewTokensCap, int intraOpThreads) {

    public VerifierProperties {
        if (modelPath == null) {
            throw new IllegalArgumentException("specula.verifier.model-path must be set");
        }
        if (maxSessions <= 0 || maxNewTokensCap <= 0 || intraOpThreads < 0) {
            throw new IllegalArgumentException("specula.verifier: max-sessions and max-new-tokens-cap must be > 0, "
                    + "intra-op-threads >= 0");
        }
    }
}
