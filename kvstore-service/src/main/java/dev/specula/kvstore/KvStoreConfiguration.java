package dev.specula.kvstore;

import dev.specula.kvstore.metrics.KvStoreMetrics;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.kvstore.store.StoreLimits;
import dev.specula.kvstore.tier.MemoryTier;
import dev.specula.service.error.StatusMapping;
import java.util.List;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the store from {@link KvStoreProperties}; the domain classes stay free of Spring. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KvStoreProperties.class)
class KvStoreConfiguration {

    /** Maps InvalidRequestException and friends to gRPC statuses, so nothing reaches the wire as UNKNOWN. */
    @Bean
    StatusMapping statusMapping() {
        return new StatusMapping();
    }

    @Bean
    MemoryTier memoryTier(KvStoreProperties properties) {
        return new MemoryTier(properties.memoryBytes().toBytes(), (int) properties.pageBytes().toBytes());
    }

    @Bean
    BlockStore blockStore(MemoryTier memoryTier, KvStoreProperties properties) {
        StoreLimits limits = new StoreLimits((int) properties.maxBlockBytes().toBytes(),
                properties.maxKeysPerRequest());
        return new BlockStore(List.of(memoryTier), limits);
    }

    @Bean
    KvStoreMetrics kvStoreMetrics(BlockStore blockStore) {
        return new KvStoreMetrics(blockStore);
    }
}
