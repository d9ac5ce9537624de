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
