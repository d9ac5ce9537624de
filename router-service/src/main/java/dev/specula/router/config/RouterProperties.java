package dev.specula.router.config;

import java.nio.file.Path;
import java.time.Duration;
import dev.specula.router.discovery.DiscoveryProperties;
import dev.specula.service.policy.PolicyProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

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
 * @param fallbackNgramDrafting in that fallback, let the verifier draft by n-gram lookup next to its own session
 *                              (lossless, and faster than plain decoding on text that repeats itself)
 * @param policy                default speculation policies the router plans with ({@code specula.router.policy.*})
 *                              for request fields left unset; the plan is sent in full to the backends
 * @param streamStallTimeout    a Generate stream whose client reads nothing for this long is ended with
 *                              DEADLINE_EXCEEDED, cancelling its backend generation
 * @param sideChannel           chunk cadence and acceptance figures ({@code specula.router.side-channel.*})
 * @param drafterFirstTokenTimeout a drafter that has sent nothing this long after a request started is given up
 *                              on, and the request falls back as if the drafter were unreachable (a hung drafter
 *                              must not hold requests for the whole request timeout)
 * @param failover              resuming requests whose backend failed mid-generation
 *                              ({@code specula.router.failover.*})
 * @param discovery             where drafters and verifiers are found, and how replicas are chosen
 *                              ({@code specula.router.discovery.*})
 */
@ConfigurationProperties("specula.router")
public record RouterProperties(Path modelPath, String servedModelName, int maxTokensCap, int defaultDraftLength,
                               Duration requestTimeout, boolean fallbackToTargetOnly,
                               @DefaultValue("true") boolean fallbackNgramDrafting,
                               @DefaultValue PolicyProperties policy,
                               @DefaultValue("30s") Duration streamStallTimeout,
                               @DefaultValue SideChannelProperties sideChannel,
                               @DefaultValue("10s") Duration drafterFirstTokenTimeout,
                               @DefaultValue FailoverProperties failover,
                               @DefaultValue DiscoveryProperties discovery) {

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
        if (drafterFirstTokenTimeout.isNegative() || drafterFirstTokenTimeout.isZero()) {
            throw new IllegalArgumentException("specula.router.drafter-first-token-timeout must be positive");
        }
        if (streamStallTimeout.isNegative() || streamStallTimeout.isZero()) {
            throw new IllegalArgumentException("specula.router.stream-stall-timeout must be positive");
        }
        if (policy == null) {
            policy = PolicyProperties.DEFAULTS;
        }
        if (sideChannel == null) {
            sideChannel = SideChannelProperties.AUTO;
        }
        if (failover == null) {
            failover = FailoverProperties.DEFAULTS;
        }
        if (discovery == null) {
            discovery = DiscoveryProperties.DEFAULTS;
        }
    }
}
