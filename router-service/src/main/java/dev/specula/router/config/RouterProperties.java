package dev.specula.router.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Router configuration ({@code specula.router.*}), mapped 1:1 from Helm values. Backends are the gRPC client
 * channels named {@code drafter} and {@code verifier}.
 *
 * @param modelPath             folder of the served (target) model: its tokenizer and context length are used
 * @param servedModelName       the model name clients see
 * @param maxTokensCap          largest max_tokens accepted
 * @param defaultDraftLength    k for speculative requests that do not choose one
 * @param requestTimeout        deadline of one whole generation on the backends
 * @param fallbackToTargetOnly  when no drafter answers, decode with the verifier alone (and say so)
 */
@ConfigurationProperties("specula.router")
public record RouterProperties(Path modelPath, String servedModelName, int maxTokensCap, int defaultDraftLength,
                               Duration requestTimeout, boolean fallbackToTargetOnly) {

    public RouterProperties {
        if (modelPath == null || servedModelName == null || servedModelName.isBlank()) {
            throw new IllegalArgumentException("specula.router.model-path and served-model-name must be set");
        }
        if (maxTokensCap <= 0 || defaultDraftLength < 1) {
            throw new IllegalArgumentException("specula.router: max-tokens-cap > 0 and default-draft-length >= 1 needed");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("specula.router.request-timeout must be positive");
        }
    }
}
