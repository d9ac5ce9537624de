package dev.specula.drafter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.specula.service.policy.PolicyProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Drafter configuration ({@code specula.drafter.*}), mapped 1:1 from Helm values. The verifier endpoint is the
 * gRPC client channel named {@code verifier} ({@code spring.grpc.client.channel.verifier.target}).
 *
 * @param modelPath          folder of the draft model (shares the verifier's tokenizer)
 * @param defaultDraftLength k when a request does not choose one
 * @param maxDraftLength     largest k a request may ask for
 * @param maxNewTokensCap    largest max_new_tokens a request may ask for
 * @param roundTimeout       how long to wait for one verdict before failing the request
 * @param intraOpThreads     ONNX Runtime intra-op threads; 0 = available processors
 * @param policy             default speculation policies ({@code specula.drafter.policy.*}) for request fields left
 *                           unset: draft source, fixed or adaptive lengths, n-gram, entropy-adaptive and cascade
 *                           settings
 * @param streamStallTimeout a Generate stream whose client reads nothing for this long is ended with
 *                           DEADLINE_EXCEEDED, freeing its verifier session
 * @param cudaDevice         -1 (default) runs the draft model on the CPU; N runs it on CUDA device N (needs ONNX
 *                           Runtime's GPU build on the classpath)
 * @param routedVerifiers    host:port patterns ({@code *} = any characters) of verifier replicas the router may
 *                           place a request on ({@code DraftGenerateRequest.verifier_endpoint}); empty = only the
 *                           configured channel. Helm sets {@code *} when the router discovers verifiers (the
 *                           drafter accepts traffic from the router alone, by NetworkPolicy).
 * @param routedVerifierAuthority over TLS, the name a routed verifier's certificate is checked against (a pod
 *                           address is not in the mesh certificate): the verifiers' Service name; empty = the host
 * @param draftStepDeadline  the most a speculation round waits for its draft (default 50 ms; 0 = no deadline): a
 *                           late round goes to the verifier without a draft, a drafter that keeps missing is backed
 *                           off for a growing number of tokens (counted in
 *                           {@code specula_drafter_step_deadline_misses_total})
 */
@ConfigurationProperties(prefix = "specula.drafter", ignoreUnknownFields = false)
public record DrafterProperties(Path modelPath, int defaultDraftLength, int maxDraftLength, int maxNewTokensCap,
                                Duration roundTimeout, int intraOpThreads, @DefaultValue PolicyProperties policy,
                                @DefaultValue("30s") Duration streamStallTimeout,
                                @DefaultValue("-1") int cudaDevice,
                                @DefaultValue List<String> routedVerifiers,
                                @DefaultValue("") String routedVerifierAuthority,
                                @DefaultValue("50ms") Duration draftStepDeadline) {

    public DrafterProperties {
        if (modelPath == null) {
            throw new IllegalArgumentException("specula.drafter.model-path must be set");
        }
        if (defaultDraftLength < 1 || maxDraftLength < defaultDraftLength || maxNewTokensCap <= 0) {
            throw new IllegalArgumentException("specula.drafter: need 1 <= default-draft-length <= max-draft-length "
                    + "and max-new-tokens-cap > 0");
        }
        if (roundTimeout == null || roundTimeout.isNegative() || roundTimeout.isZero() || intraOpThreads < 0
                || cudaDevice < -1) {
            throw new IllegalArgumentException("specula.drafter: round-timeout must be positive, intra-op-threads >= 0, "
                    + "cuda-device >= -1");
        }
        if (streamStallTimeout.isNegative() || streamStallTimeout.isZero()) {
            throw new IllegalArgumentException("specula.drafter.stream-stall-timeout must be positive");
        }
        if (policy == null) {
            policy = PolicyProperties.DEFAULTS;
        }
        if (draftStepDeadline == null || draftStepDeadline.isNegative()) {
            throw new IllegalArgumentException("specula.drafter.draft-step-deadline must be >= 0 (0 = none)");
        }
        routedVerifiers = routedVerifiers == null ? List.of() : List.copyOf(routedVerifiers);
        routedVerifierAuthority = routedVerifierAuthority == null ? "" : routedVerifierAuthority;
        if (policy.maxDraftLength() > maxDraftLength) {
            throw new IllegalArgumentException("specula.drafter: policy.max-draft-length must be <= max-draft-length");
        }
    }
}
