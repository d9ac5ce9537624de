package dev.specula.drafter.config;

import dev.specula.drafter.engine.DraftSourceDecorator;
import dev.specula.drafter.engine.DrafterEngine;
import dev.specula.drafter.engine.VerifierChannels;
import dev.specula.drafter.metrics.DrafterMetrics;
import dev.specula.drafter.tracing.RoundTracing;
import io.micrometer.core.instrument.MeterRegistry;
import dev.specula.service.error.StatusMapping;
import io.grpc.ManagedChannel;
import io.micrometer.tracing.Tracer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GrpcChannelFactory;

/** Wires the verifier channel (by logical name), the engine and error mapping. */
@Configuration(proxyBeanMethods = false)
public class DrafterConfiguration {
    /** Verifier replicas a drafter keeps channels to at once; a cluster rarely has more. */
    static final int MAX_ROUTED_VERIFIERS = 64;

    /**
     * Verdicts are handed to the loop thread through a queue (GrpcVerifierChannel), so they need no executor of
     * their own: delivering them on the transport thread saves a thread wake-up per round, which on a busy small
     * machine is a measurable part of a round.
     */
    static final ChannelBuilderOptions VERIFIER_CHANNEL = ChannelBuilderOptions.defaults()
            .withCustomizer((name, builder) -> builder.directExecutor());

    /** The channel factory owns the channel and shuts it down with the context. */
    @Bean(destroyMethod = "")
    ManagedChannel verifierChannel(GrpcChannelFactory channels) {
        return channels.createChannel("verifier", VERIFIER_CHANNEL);
    }

    /** Routed channels are created by the same factory, so they get the service's channel settings. */
    @Bean(destroyMethod = "close")
    VerifierChannels verifierChannels(GrpcChannelFactory channels, ManagedChannel verifierChannel,
                                      DrafterProperties properties) {
        // Over TLS a routed verifier (a pod address) is checked against the verifiers' Service name.
        String authority = properties.routedVerifierAuthority();
        ChannelBuilderOptions routed = authority.isEmpty() ? VERIFIER_CHANNEL : ChannelBuilderOptions.defaults()
                .withCustomizer((name, builder) -> builder.directExecutor().overrideAuthority(authority));
        return new VerifierChannels(verifierChannel, properties.routedVerifiers(),
                target -> channels.createChannel(target, routed), MAX_ROUTED_VERIFIERS);
    }

    /** A {@link DraftSourceDecorator} bean, if any, wraps every draft source (fault injection in tests). */
    @Bean(destroyMethod = "close")
    DrafterEngine drafterEngine(DrafterProperties properties, VerifierChannels verifierChannels,
                                DrafterMetrics metrics, ObjectProvider<DraftSourceDecorator> decorator) {
        return new DrafterEngine(properties, verifierChannels, metrics.deadlineListener(),
                decorator.getIfAvailable(() -> DraftSourceDecorator.NONE));
    }

    @Bean
    DrafterMetrics drafterMetrics(MeterRegistry registry) {
        return new DrafterMetrics(registry);
    }

    /** Round spans when Micrometer Tracing is configured (always, in the service); a no-op tracer otherwise. */
    @Bean
    RoundTracing roundTracing(ObjectProvider<Tracer> tracer) {
        return new RoundTracing(tracer.getIfAvailable(() -> Tracer.NOOP));
    }

    @Bean
    StatusMapping statusMapping() {
        return new StatusMapping();
    }

    /** "model" health: the engine bean exists only once the draft model loaded. */
    @Bean
    HealthIndicator modelHealthIndicator(DrafterEngine engine) {
        return () -> Health.up().withDetail("vocab", engine.vocabSize()).build();
    }
}
