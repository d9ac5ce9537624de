package dev.specula.router.admission;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The router's one {@link Admission}, shared by the gRPC and HTTP front doors. */
@Configuration(proxyBeanMethods = false)
public class AdmissionConfiguration {

    @Bean
    Admission admission(AdmissionProperties properties, MeterRegistry registry) {
        return new Admission(properties, registry);
    }
}
