package dev.specula.router.config;

import dev.specula.router.auth.AuthProperties;
import dev.specula.router.backend.BackendBreakers;
import dev.specula.router.backend.BackendPools;
import dev.specula.router.backend.MeshBackends;
import dev.specula.router.discovery.DiscoveryProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.router.metrics.VllmMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.PolicyPlanner;
import dev.specula.router.plan.RequestValidator;
import dev.specula.router.plan.SideChannelGuard;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.error.StatusMapping;
import dev.specula.service.validation.GenerationLimits;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;

/** Wires tokenizer, validation, backends (channels by logical name) and the generation path. */
@Configuration(proxyBeanMethods = false)
public class RouterConfiguration {
    /** Matches the drafter's default cap on k. */
    public static final int MAX_DRAFT_LENGTH = 16;

    @Bean(destroyMethod = "close")
    TextTokenizer tokenizer(RouterProperties properties) {
        return TextTokenizer.load(ModelFolder.open(properties.modelPath()));
    }

    @Bean
    RequestValidator requestValidator(RouterProperties properties, LimitsProperties limits, TextTokenizer tokenizer) {
        ModelConfig config = ModelFolder.open(properties.modelPath()).config();
        int maxPromptTokens = limits.maxPromptTokens() == null ? config.maxPositionEmbeddings() : limits.maxPromptTokens();
        return new RequestValidator(tokenizer,
                new GenerationLimits(config.vocabSize(), config.maxPositionEmbeddings(), properties.maxTokensCap()),
                properties.defaultDraftLength(), MAX_DRAFT_LENGTH, maxPromptTokens);
    }

    @Bean
PolicyPlanner policyPlanner(RouterProperties properties) {
        return new PolicyPlanner(properties.policy(), MAX_DRAFT_LENGTH);
    }

    @Bean
    CircuitBreakerRegistry backendCircuitBreakers(MeterRegistry registry) {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(BackendBreakers.CONFIG);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        return breakers;
    }

    @Bean(destroyMethod = "close")
    BackendPools backendPools(GrpcChannelFactory channels, RouterProperties properties,
                              CircuitBreakerRegistry breakers) {
        return BackendPools.create(properties.discovery(), channels, breakers);
    }

    @Bean
    MeshBackends meshBackends(BackendPools pools, RouterProperties properties) {
        DiscoveryProperties discovery = properties.discovery();
        return new MeshBackends(pools.drafters(), pools.verifiers(), properties.requestTimeout(),
                properties.drafterFirstTokenTimeout(), properties.failover().stallTimeout(), discovery.zone(),
                discovery.affinityMaxInFlight());
    }

    @Bean
    RouterMetrics routerMetrics(MeterRegistry registry, RouterProperties properties) {
        return new RouterMetrics(registry, new VllmMetrics(properties.servedModelName()));
    }

    @Bean
    SideChannelGuard sideChannelGuard(RouterProperties properties, AuthProperties auth) {
        return SideChannelGuard.resolve(properties.sideChannel(), auth.tenants());
    }

    @Bean
    GenerationService generationService(MeshBackends backends, TextTokenizer tokenizer, RouterProperties properties,
                                        RouterMetrics metrics, SideChannelGuard sideChannel) {
        return new GenerationService(backends, tokenizer, properties.fallbackToTargetOnly(), metrics,
                properties.policy(), properties.fallbackNgramDrafting(), sideChannel.cadenceTokens(),
                sideChannel.cadenceInterval(), properties.failover());
    }

    @Bean
    StatusMapping statusMapping() {
        return new StatusMapping();
    }
}
