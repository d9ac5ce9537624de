package dev.specula.kvstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

class KvStorePropertiesTest {

    @Test
    void defaultsMatchTheDocumentedValues() {
        KvStoreProperties properties = bind(Map.of());

        assertThat(properties.memoryBytes()).isEqualTo(DataSize.ofMegabytes(256));
        assertThat(properties.pageBytes()).isEqualTo(DataSize.ofKilobytes(16));
        assertThat(properties.maxBlockBytes()).isEqualTo(DataSize.ofMegabytes(8));
        assertThat(properties.maxKeysPerRequest()).isEqualTo(1024);
        assertThat(properties.streamStallTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.flushTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(properties.disk()).isEqualTo(new KvStoreProperties.Disk("", DataSize.ofGigabytes(4),
                Duration.ofSeconds(30)));
        assertThat(properties.disk().enabled()).isFalse();
        assertThat(properties.redis()).isEqualTo(new KvStoreProperties.Redis("", DataSize.ofGigabytes(1),
                "specula:kv", Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofSeconds(10)));
        assertThat(properties.redis().enabled()).isFalse();
        assertThat(properties.fence()).isEqualTo(new KvStoreProperties.Fencing(100_000, Duration.ofHours(1)));
    }

    @Test
    void bindsTheTierSections() {
        KvStoreProperties properties = bind(Map.of(
                "specula.kvstore.disk.path", "/var/lib/specula/kv",
                "specula.kvstore.disk.bytes", "100GB",
                "specula.kvstore.disk.retry-after", "1m",
                "specula.kvstore.redis.uri", "redis://:secret@cache:6379/2",
                "specula.kvstore.redis.bytes", "2GB",
                "specula.kvstore.redis.lookup-timeout", "20ms",
                "specula.kvstore.redis.breaker-wait", "30s"));

        assertThat(properties.disk().enabled()).isTrue();
        assertThat(properties.disk().bytes()).isEqualTo(DataSize.ofGigabytes(100));
        assertThat(properties.disk().retryAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(properties.redis().enabled()).isTrue();
        assertThat(properties.redis().bytes()).isEqualTo(DataSize.ofGigabytes(2));
        assertThat(properties.redis().lookupTimeout()).isEqualTo(Duration.ofMillis(20));
        assertThat(properties.redis().breakerWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.redis().writeTimeout()).as("default kept").isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void bindsKebabCaseKeys() {
        KvStoreProperties properties = bind(Map.of("specula.kvstore.memory-bytes", "64MB",
                "specula.kvstore.max-keys-per-request", "16"));

        assertThat(properties.memoryBytes()).isEqualTo(DataSize.ofMegabytes(64));
        assertThat(properties.maxKeysPerRequest()).isEqualTo(16);
    }

    @Test
    void invalidValuesFailWithTheKeyInTheMessage() {
        assertRefused("specula.kvstore.page-bytes", "3KB", "page-bytes must be a power of two");
        assertRefused("specula.kvstore.memory-bytes", "1KB", "memory-bytes must hold");
        assertRefused("specula.kvstore.max-block-bytes", "0B", "max-block-bytes must be in");
        assertRefused("specula.kvstore.max-block-bytes", "2GB", "max-block-bytes must be in");
        assertRefused("specula.kvstore.max-keys-per-request", "0", "max-keys-per-request must be in");
        assertRefused("specula.kvstore.stream-stall-timeout", "0s", "stream-stall-timeout must be positive");
        assertRefused("specula.kvstore.flush-timeout", "-1s", "flush-timeout must not be negative");
        assertRefused("specula.kvstore.disk.bytes", "100KB", "disk.bytes must be at least 1MB");
        assertRefused("specula.kvstore.disk.retry-after", "0s", "disk.retry-after must be positive");
        assertRefused("specula.kvstore.redis.uri", "http://cache:6379", "redis.uri must start with redis://");
        assertRefused("specula.kvstore.redis.bytes", "1KB", "redis.bytes must be at least 1MB");
        assertRefused("specula.kvstore.redis.namespace", "a b", "redis.namespace must be letters");
        assertRefused("specula.kvstore.redis.namespace", "{x}", "redis.namespace must be letters");
        assertRefused("specula.kvstore.redis.lookup-timeout", "0ms", "redis.lookup-timeout must be positive");
        assertRefused("specula.kvstore.redis.lookup-timeout", "2s", "redis.lookup-timeout must be at most 1s");
        assertRefused("specula.kvstore.redis.write-timeout", "2m", "redis.write-timeout must be at most 60s");
        assertRefused("specula.kvstore.redis.connect-timeout", "0s", "redis.connect-timeout must be positive");
        assertRefused("specula.kvstore.redis.breaker-wait", "0s", "redis.breaker-wait must be positive");
    }

    private static void assertRefused(String key, String value, String message) {
        assertThatThrownBy(() -> bind(Map.of(key, value)))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining(message);
    }

    private static KvStoreProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("specula.kvstore", KvStoreProperties.class);
    }
}
