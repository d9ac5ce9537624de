package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.deploy.Manifests.Manifest;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/base/specula.yaml is the chart rendered with k8s/base-values.yaml (release "specula"), with
 * {@code app.kubernetes.io/managed-by: kustomize}. This test renders the chart again and requires the same objects,
 * field for field; {@code -Dspecula.k8s.regenerate=true} rewrites the file instead (k8s/README.md).
 * The overlays are built with {@code kubectl kustomize} when kubectl is installed, and checked for the chart's
 * hardening and placement rules.
 */
class KustomizeBaseTest {

    static final String HEADER = """
            # GENERATED from helm/specula (values: k8s/base-values.yaml, release "specula"). Do not edit.
            # Regenerate: mvn -B -pl deploy-tests test -Dtest=KustomizeBaseTest -Dspecula.k8s.regenerate=true
            # (or: helm template specula helm/specula -n specula -f k8s/base-values.yaml, managed-by set to kustomize)
            """;

    static Path base() {
        return Chart.repoRoot().resolve("k8s/base/specula.yaml");
    }

    static String renderBase() throws IOException {
        // Namespace "specula": the overlays install there (the RoleBinding's subject names it).
        String rendered = Chart.renderText(Chart.dir(), "specula", Chart.repoRoot().resolve("k8s/base-values.yaml"));
        StringBuilder out = new StringBuilder(HEADER);
        for (Manifest m : Manifests.parse(rendered).all()) {
            out.append("---\n").append(m.text().replace("app.kubernetes.io/managed-by: Helm",
                    "app.kubernetes.io/managed-by: kustomize"));
        }
        return out.toString();
    }

    @Test
    void baseIsTheChartRendered() throws IOException {
        String expected = renderBase();
        if (Boolean.getBoolean("specula.k8s.regenerate")) {
            Files.writeString(base(), expected, StandardCharsets.UTF_8);
        }
        Map<String, Map<String, Object>> want = byKindAndName(Manifests.parse(expected));
        Map<String, Map<String, Object>> have = byKindAndName(Manifests.parse(Files.readString(base())));
        assertThat(have.keySet()).as("objects in k8s/base/specula.yaml").isEqualTo(want.keySet());
        want.forEach((key, object) -> assertThat(have.get(key))
                .as("%s differs from the chart: regenerate k8s/base (k8s/README.md)", key).isEqualTo(object));
    }

    @ParameterizedTest
    @ValueSource(strings = {"kind", "production"})
    void overlaysKeepTheChartsRules(String overlay) throws Exception {
        String built = kustomize(Chart.repoRoot().resolve("k8s/overlays/" + overlay));
        Manifests manifests = Manifests.parse(built);
        assertThat(manifests.ofKind("Namespace")).hasSize(1);
        for (Manifest m : manifests.all()) {
            assertThat(m.labels()).as("%s labels", m).containsEntry("app.kubernetes.io/part-of", "specula")
                    .containsKeys("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component");
        }
        assertThat(manifests.podTemplates().keySet()).containsExactlyInAnyOrder("router", "drafter", "verifier",
                "kv-store");
        manifests.podTemplates().forEach((component, pod) -> {
            ManifestPolicyTest.assertHardened(component, pod);
            assertThat(pod.getSpec().getContainers().get(0).getImage()).doesNotEndWith(":latest");
        });
        V1PodSpec drafter = manifests.podTemplates().get("drafter").getSpec();
        V1PodSpec verifier = manifests.podTemplates().get("verifier").getSpec();
        assertThat(drafter.getNodeSelector()).containsEntry("specula.dev/pool", "edge");
        assertThat(verifier.getNodeSelector()).containsEntry("specula.dev/pool", "gpu");
        if (overlay.equals("production")) {
            assertThat(verifier.getContainers().get(0).getResources().getLimits()).containsKey("nvidia.com/gpu");
        }
    }

    private static String kustomize(Path dir) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
        } catch (IOException e) {
            // kubectl ships with the machine image these tests run on; without it the overlays go unchecked.
            throw new AssertionError("kubectl is needed to build the kustomize overlays (kubectl kustomize)", e);
        }
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("kubectl kustomize %s: %s", dir, err).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Map<String, Map<String, Object>> byKindAndName(Manifests manifests) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Manifest m : manifests.all()) {
            assertThat(out.put(m.kind() + "/" + m.name(), m.raw())).as("duplicate %s", m).isNull();
        }
        return out;
    }

    static List<String> overlays() {
        return List.of("kind", "production");
    }
}
