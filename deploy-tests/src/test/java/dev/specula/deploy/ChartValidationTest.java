package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** helm lint / helm template with every ci values file, and values that the schema or the templates must refuse. */
class ChartValidationTest {

    static List<Path> ciValuesFiles() {
        return Chart.ciValuesFiles();
    }

    @Test
    void ciValuesFilesCoverDefaultAndEdgeGpu() {
        assertThat(Chart.ciValuesFiles()).extracting(p -> p.getFileName().toString())
                .contains("default-values.yaml", "edge-gpu-values.yaml");
    }

    @Test
    void lintPassesStrict() {
        LintResult result = Chart.lint();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"));
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void templateRendersEveryCiValuesFile(Path values) {
        Manifests manifests = Chart.render(values);
        assertThat(manifests.all()).isNotEmpty();
        assertThat(manifests.ofKind("Deployment").size() + manifests.ofKind("StatefulSet").size()).isGreaterThan(0);
    }

    /** Each bad value must be refused by values.schema.json before anything renders, naming the value. */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        // Removed in chart 0.2.0 (they bound to no property): an old values file fails loudly instead.
        "router.config.defaultMode     | speculative        | /router/config",
        "verifier.config.dtype         | float16            | /verifier/config",
        "verifier.config.executionProvider | cuda           | /verifier/config",
        "verifier.kvstoreTarget        | kvstore:9093       | /verifier/kvstoreTarget",
        "edgeDrafter.replicaCount      | -1                 | /edgeDrafter/replicaCount",
        "verifier.gpu.resourceName     | nvidia.com/gpus    | /verifier/gpu/resourceName",
        "router.image.tag              | latest             | /router/image/tag",
        "drafter.image.digest          | sha256:abc         | /drafter/image/digest",
        "channels.mode                 | mesh               | /channels/mode",
        "models.source                 | s3                 | /models/source",
        "kvstore.config.pageBytes      | 3KB                | /kvstore/config/pageBytes",
        "router.config.requestTimeout  | 5 minutes          | /router/config/requestTimeout",
        "verifier.containerPorts.grpc  | 70000              | /verifier/containerPorts/grpc",
        "router.replicaCuont           | 3                  | /router",
        "tls.internal.clientAuth       | maybe              | /tls/internal/clientAuth",
        "tls.router.clientAuth         | maybe              | /tls/router/clientAuth",
        "tls.clientAuth                | require            | /tls",
    })
    void schemaRejectsBadValue(String key, String value, String path) {
        assertThatThrownBy(() -> Chart.renderText(Chart.dir(), null, key + "=" + value))
                .hasMessageContaining("schema")
                .hasMessageContaining(path);
    }

    /** Cross-field rules that a JSON schema cannot state fail in templates/validate.yaml with a clear message. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "tls.enabled=true                                       | tls.existingSecret or tls.certManager.enabled",
        "models.source=pvc                                      | models.pvc.claimName",
        "drafter.config.defaultDraftLength=20                   | must not exceed drafter.config.maxDraftLength",
    })
    void templatesRejectInconsistentValues(String set, String message) {
        assertThatThrownBy(() -> Chart.renderText(Chart.dir(), null, set)).hasMessageContaining(message);
    }

    @Test
    void certManagerTlsNeedsAnIssuer() {
        assertThatThrownBy(() -> Chart.renderText(Chart.dir(), null, "tls.enabled=true", "tls.certManager.enabled=true"))
                .hasMessageContaining("tls.certManager.issuerRef.name is required");
    }
}
