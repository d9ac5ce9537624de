package dev.specula.verifier.config;

import dev.specula.runtime.engine.BlockStore;
import dev.specula.service.error.StatusMapping;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.health.VerificationProbe;
import dev.specula.verifier.kvstore.GrpcBlockStore;
import dev.specula.verifier.metrics.BatchMetrics;
import dev.specula.verifier.metrics.EngineMetrics;
import dev.specula.verifier.metrics.VerifierMetrics;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BiFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GrpcChannelFactory;

/** Wires the engine (with the KV store client when a {@code kvstore} channel is configured), metrics and errors. */
@Configuration(proxyBeanMethods = false)
public class VerifierConfiguration {
    /** The store is used only when this is set (and not blank); without it offload and restore are off. */
    static final String KVSTORE_TARGET = "spring.grpc.client.channel.kvstore.target";
    /**
     * HTTP/2 receive window of the kvstore channel. A restore streams megabytes (6 MB for 1024 tokens of the bundled
     * verifier) that the client consumes as they arrive; with grpc-netty's 1 MiB default the store stalls for a
     * window update every half window, a thread round trip each on a loaded machine.
     */
    static final int KVSTORE_FLOW_CONTROL_WINDOW = 16 << 20;

    @Bean
    BatchMetrics batchMetrics(MeterRegistry registry) {
        return new BatchMetrics(registry);
    }

    @Bean(destroyMethod = "close")
    VerifierEngine verifierEngine(VerifierProperties properties, MeterRegistry registry, BatchMetrics batchMetrics,
                                  Environment environment, ObjectProvider<GrpcChannelFactory> channels) {
        BiFunction<String, Integer, BlockStore> store = (codec, blockTokens) -> BlockStore.NONE;
        String storeTarget = environment.getProperty(KVSTORE_TARGET);
        if (storeTarget != null && !storeTarget.isBlank()) {
            // The channel factory owns the channel and shuts it down with the context.
            ChannelBuilderOptions options = ChannelBuilderOptions.defaults().withCustomizer((target, builder) -> {
                if (builder instanceof NettyChannelBuilder netty) {
                    netty.flowControlWindow(KVSTORE_FLOW_CONTROL_WINDOW);
                }
            });
            store = (codec, blockTokens) -> new GrpcBlockStore(channels.getObject().createChannel("kvstore", options),
                    codec, blockTokens, properties.kvstoreLookupTimeout(), properties.kvstoreGetTimeout(),
                    properties.kvstorePutTimeout());
        }
        VerifierEngine engine = new VerifierEngine(properties, store, batchMetrics);
        EngineMetrics.register(registry, engine);
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

    @Bean(destroyMethod = "close")
    VerificationProbe verificationProbe(VerifierEngine engine, VerifierProperties properties) {
        return new VerificationProbe(engine, properties.readinessTimeout(), properties.readinessCache(), System::nanoTime);
    }

    /** "model" health, behind gRPC health service {@code verifier}: UP only while a one-token verification works. */
    @Bean
    HealthIndicator modelHealthIndicator(VerificationProbe probe) {
        return probe::check;
    }
}
