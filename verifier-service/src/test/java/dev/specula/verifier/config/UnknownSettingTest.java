package dev.specula.verifier.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.testing.ModelPair;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;

/** A misspelt specula.verifier setting stops the start and is named, instead of being silently ignored. */
class UnknownSettingTest {

    @Test
    void aMisspeltSettingIsRefusedByName() {
        assertThatThrownBy(() -> RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME,
                Map.of("specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                        "specula.verifier.max-sesions", "4")))
                .rootCause()
                .isInstanceOf(UnboundConfigurationPropertiesException.class)
                .hasMessageContaining("specula.verifier.max-sesions");
    }
}
