package dev.specula.kvstore;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.service.testing.RunningService;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;

/** A misspelt specula.kvstore setting stops the start and is named, instead of being silently ignored. */
class UnknownSettingTest {

    @Test
    void aMisspeltSettingIsRefusedByName() {
        assertThatThrownBy(() -> RunningService.start(KvStoreApplication.class, KvStoreApplication.CONFIG_NAME,
                Map.of("specula.kvstore.memory-byte", "2MB")))
                .rootCause()
                .isInstanceOf(UnboundConfigurationPropertiesException.class)
                .hasMessageContaining("specula.kvstore.memory-byte");
    }
}
