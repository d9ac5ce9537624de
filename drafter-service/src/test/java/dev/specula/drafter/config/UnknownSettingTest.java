package dev.specula.drafter.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.drafter.DrafterApplication;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.service.testing.RunningService;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;

/** A misspelt specula.drafter setting stops the start and is named, instead of being silently ignored. */
class UnknownSettingTest {

    @Test
    void aMisspeltSettingIsRefusedByName() {
        assertThatThrownBy(() -> RunningService.start(DrafterApplication.class, DrafterApplication.CONFIG_NAME,
                Map.of("specula.drafter.model-path", ModelPair.UNDER_TEST.drafter().toString(),
                        "specula.drafter.default-draft-lenght", "4",
                        "spring.grpc.client.channel.verifier.target", "static://127.0.0.1:1")))
                .rootCause()
                .isInstanceOf(UnboundConfigurationPropertiesException.class)
                .hasMessageContaining("specula.drafter.default-draft-lenght");
    }
}
