package dev.specula.verifier.config;

import dev.specula.service.error.StatusMapping;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.metrics.VerifierMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the engine, metrics and error mapping. */
@Configuration(proxyBeanMethods = false)
public class VerifierConfiguration {

    @Bean(destroyMethod = "close")
    VerifierEngine verifierEngine(VerifierProperties properties, MeterRegistry registry) {
        VerifierEngine engine = new VerifierEngine(properties);
        Gauge.builder("specula_verifier_open_sessions", engine, VerifierEngine::openSessions).register(registry);
        return engine;
    }

    @Bean
    VerifierMetrics verifierMetrics(MeterRegistry registry) {
        return new VerifierMetrics(registry);
    }

    @Bean
    StatusMapping statusMapping() {
        return new StatusMapping();
    }

    /** "model" health: the engine bean exists only once the ONNX session loaded, so reaching here means UP. */
    @Bean
    HealthIndicator modelHealthIndicator(VerifierEngine engine) {
        return () -> Health.up().withDetail("vocab", engine.vocabSize()).withDetail("context", engine.maxContext()).build();
    }
}
