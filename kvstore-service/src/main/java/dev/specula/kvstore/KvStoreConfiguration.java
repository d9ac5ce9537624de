package dev.specula.kvstore;

import dev.specula.kvstore.fence.WriterEpochs;
import dev.specula.kvstore.metrics.KvStoreMetrics;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.kvstore.store.StoreLimits;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.kvstore.tier.MemoryTier;
import dev.specula.kvstore.tier.disk.DiskTier;
import dev.specula.kvstore.tier.redis.RedisSettings;
import dev.specula.kvstore.tier.redis.RedisTier;
import dev.specula.service.error.StatusMapping;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
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

    /**
     * Memory, then disk and Redis when configured. Closed by Spring after the gRPC server has stopped (the server
     * depends on it), so its shutdown flush sees no more writes; it closes the lower tiers it created.
     */
    @Bean
    BlockStore blockStore(MemoryTier memoryTier, KvStoreProperties properties) {
        List<BlockTier> tiers = new ArrayList<>();
        tiers.add(memoryTier);
        KvStoreProperties.Disk disk = properties.disk();
        if (disk.enabled()) {
            tiers.add(DiskTier.open(Path.of(disk.path()), disk.bytes().toBytes(), disk.retryAfter()));
        }
        KvStoreProperties.Redis redis = properties.redis();
        if (redis.enabled()) {
            tiers.add(new RedisTier(new RedisSettings(redis.uri(), redis.bytes().toBytes(), redis.namespace(),
                    redis.lookupTimeout(), redis.writeTimeout(), redis.connectTimeout(), redis.breakerWait(),
                    Clock.systemUTC())));
        }
        StoreLimits limits = new StoreLimits((int) properties.maxBlockBytes().toBytes(),
                properties.maxKeysPerRequest());
        return new BlockStore(tiers, limits, properties.flushTimeout());
    }

    /** The newest epoch per fenced generation, for PutBlocks (RELIABILITY.md #24). */
    @Bean
    WriterEpochs writerEpochs(KvStoreProperties properties) {
        return new WriterEpochs(properties.fence().maxGenerations(), properties.fence().ttl(), System::nanoTime);
    }

    @Bean
    KvStoreMetrics kvStoreMetrics(BlockStore blockStore, WriterEpochs writerEpochs) {
        return new KvStoreMetrics(blockStore, writerEpochs);
    }
}
