package dev.specula.kvstore.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.kvstore.KvStoreApplication;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.kvstore.testing.RedisServer;
import dev.specula.kvstore.tier.BlockTier;
import dev.specula.proto.v1.KvBlock;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service as configured in production (memory, disk and Redis tiers from properties), stopped and started again
 * on the same disk directory: what it stored before the restart is served after it.
 */
class KvStoreRestartTest {

    private static final String NAME = "kvstore-restart-test";

    @TempDir
    Path dir;

    @Test
    void aRestartedServiceServesWhatItStoredBeforeFromDisk() throws Exception {
        Path disk = dir.resolve("kv");
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"))) {
            List<KvBlock> blocks = new ArrayList<>();
            try (ConfigurableApplicationContext first = start(disk, redis.uri())) {
                BlockStore store = first.getBean(BlockStore.class);
                assertThat(store.tiers()).extracting(BlockTier::name).containsExactly("memory", "disk", "redis");
                withClient(client -> {
                    for (int i = 0; i < 3; i++) {
                        blocks.add(client.block(50_000));
                    }
                    assertThat(client.put("acme", blocks).getStored()).isEqualTo(3);
                });
                MeterRegistry meters = first.getBean(MeterRegistry.class);
                for (String tier : List.of("memory", "disk", "redis")) {
                    assertThat(meters.get("specula.kvstore.tier.state").tag("tier", tier).gauge().value())
                            .as("%s tier healthy", tier).isZero();
                }
            } // closing flushes the memory tier into the disk tier
            try (Stream<Path> files = Files.walk(disk)) {
                assertThat(files.filter(f -> f.toString().endsWith(".blk"))).hasSize(3);
            }
            redis.restart(); // an empty Redis: whatever comes back must come from the disk

            try (ConfigurableApplicationContext second = start(disk, redis.uri())) {
                withClient(client -> {
                    assertThat(client.lookup("acme", KvClient.keys(blocks))).isEqualTo(3);
                    assertThat(client.get("acme", KvClient.keys(blocks))).containsExactlyElementsOf(blocks);
                    assertThat(client.get("other", KvClient.keys(blocks))).isEmpty();
                });
                assertThat(second.getBean(BlockStore.class).counters(1).hits()).isEqualTo(3);
            }
        }
    }

    private static ConfigurableApplicationContext start(Path disk, String redisUri) {
        return new SpringApplicationBuilder(KvStoreApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spring.config.name=" + KvStoreApplication.CONFIG_NAME,
                        "--spring.grpc.server.port=0",
                        "--spring.grpc.server.inprocess.name=" + NAME,
                        "--specula.kvstore.memory-bytes=4MB",
                        "--specula.kvstore.disk.path=" + disk,
                        "--specula.kvstore.disk.bytes=64MB",
                        "--specula.kvstore.redis.uri=" + redisUri,
                        "--specula.kvstore.redis.bytes=64MB",
                        "--specula.kvstore.redis.lookup-timeout=1s", // a loaded CI machine is no outage
                        "--specula.kvstore.redis.write-timeout=5s");
    }

    private interface ClientAction {
        void run(KvClient client) throws Exception;
    }

    private static void withClient(ClientAction action) throws Exception {
        ManagedChannel channel = InProcessChannelBuilder.forName(NAME).build();
        try {
            action.run(new KvClient(channel, 77));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
