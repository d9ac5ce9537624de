package dev.specula.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.launcher.mesh.MeshOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModelOptionsTest {

    @Test
    void aBareVerifierPropertyIsAVerifierSetting() {
        ModelOptions options = new ModelOptions();
        new CommandLine(options).parseArgs("--verifier-property", "prefix-cache-bytes=0",
                "--verifier-property", "specula.verifier.batching=false",
                "--verifier-property", "logging.level.root=INFO",
                "--verifier-property", "spring.grpc.client.channel.kvstore.target=");

        MeshOptions mesh = options.meshOptions();

        assertThat(mesh.verifierProperties()).isEqualTo(Map.of(
                "specula.verifier.prefix-cache-bytes", "0",
                "specula.verifier.batching", "false",
                "logging.level.root", "INFO",
                "spring.grpc.client.channel.kvstore.target", ""));
    }
}
