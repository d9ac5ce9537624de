package dev.specula.router.auth;

import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.GlobalServerInterceptor;

/** API keys and their limits, shared by the HTTP API and the gRPC {@code Router} service. */
@Configuration(proxyBeanMethods = false)
public class AuthConfiguration {

    @Bean
    ApiKeys apiKeys(AuthProperties properties) {
        ApiKeys keys = new ApiKeys(properties);
        LoggerFactory.getLogger(AuthConfiguration.class).info(keys.enabled()
                ? "API keys: " + properties.keys().size() + " configured, requests without a valid key are refused"
                : "API keys: none configured, auth is off (every caller is the default tenant)");
        return keys;
    }

    @Bean
    @GlobalServerInterceptor
    GrpcAuthInterceptor grpcAuthInterceptor(ApiKeys keys) {
        return new GrpcAuthInterceptor(keys);
    }
}
