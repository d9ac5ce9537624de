package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Volume;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Drafters on edge/cheap pools, verifiers on GPU pools (ci/edge-gpu-values.yaml), and the defaults' neutrality. */
class PlacementTest {

    private final Manifests edgeGpu = Chart.render(Chart.ciValues("edge-gpu-values.yaml"));
    private final Manifests defaults = Chart.render(Chart.ciValues("default-values.yaml"));

    @Test
    void drafterRunsOnEdgeNodes() {
        V1PodSpec drafter = edgeGpu.podTemplates().get("drafter").getSpec();
        assertThat(drafter.getNodeSelector()).containsEntry("specula.dev/pool", "edge");
        assertThat(drafter.getTolerations()).anyMatch(t -> "specula.dev/edge".equals(t.getKey()));
        assertThat(drafter.getContainers().get(0).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
    }

    @Test
    void verifierRequestsTheGpuOnGpuNodes() {
        V1PodSpec verifier = edgeGpu.podTemplates().get("verifier").getSpec();
        V1Container container = verifier.getContainers().get(0);
        assertThat(verifier.getNodeSelector()).containsEntry("specula.dev/pool", "gpu");
        assertThat(verifier.getTolerations()).anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
        assertThat(verifier.getRuntimeClassName()).isEqualTo("nvidia");
        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(container.getResources().getRequests()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(Manifests.env(container, "SPECULA_VERIFIER_INTRA_OP_THREADS")).isEqualTo("4");
        V1Volume shm = verifier.getVolumes().stream().filter(v -> v.getName().equals("shm")).findFirst().orElseThrow();
        assertThat(shm.getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(shm.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("8Gi"));
        assertThat(container.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/dev/shm"));
    }

    @Test
    void gpuResourceNameIsConfigurable() {
        Manifests amd = Chart.render(Chart.ciValues("edge-gpu-values.yaml"), "verifier.gpu.resourceName=amd.com/gpu",
                "verifier.gpu.count=2");
        Map<String, Quantity> limits = amd.container("verifier").getResources().getLimits();
        assertThat(limits).containsEntry("amd.com/gpu", new Quantity("2")).doesNotContainKey("nvidia.com/gpu");
    }

    @Test
    void defaultsPinNothingAndRequestNoGpu() {
        defaults.podTemplates().forEach((component, pod) -> {
            assertThat(pod.getSpec().getNodeSelector()).as(component).isNullOrEmpty();
            assertThat(pod.getSpec().getRuntimeClassName()).as(component).isNull();
            assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits().keySet())
                    .as(component).allMatch(k -> k.equals("cpu") || k.equals("memory"));
        });
    }

    @Test
    void configurationReachesTheServicesAsSpringEnvironment() {
        V1Container verifier = defaults.container("verifier");
        assertThat(Manifests.env(verifier, "SPECULA_VERIFIER_MODEL_PATH")).isEqualTo("/app/models/bundled/verifier");
        assertThat(Manifests.env(verifier, "SPECULA_VERIFIER_MAX_SESSIONS")).isEqualTo("64");
        assertThat(Manifests.env(verifier, "SPRING_GRPC_SERVER_PORT")).isEqualTo("9092");
        V1Container drafter = defaults.container("drafter");
        assertThat(Manifests.env(drafter, "SPECULA_DRAFTER_MODEL_PATH")).isEqualTo("/app/models/bundled/drafter");
        assertThat(Manifests.env(drafter, "SPRING_GRPC_CLIENT_CHANNEL_VERIFIER_TARGET"))
                .isEqualTo("static://" + Chart.RELEASE + "-verifier:9092");
        V1Container router = defaults.container("router");
        assertThat(Manifests.env(router, "SPECULA_ROUTER_SERVED_MODEL_NAME")).isEqualTo("specula-java-12m");
        assertThat(Manifests.env(router, "SERVER_PORT")).isEqualTo("8000");
        V1Container kvstore = defaults.container("kv-store");
        assertThat(Manifests.env(kvstore, "SPECULA_KVSTORE_DISK_PATH")).isEqualTo("/var/lib/specula/kvstore");
        assertThat(kvstore.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/var/lib/specula/kvstore"));

        // PVC models: every model path moves under the mount, read-only.
        Manifests pvc = Chart.render(Chart.ciValues("edge-gpu-values.yaml"));
        assertThat(Manifests.env(pvc.container("verifier"), "SPECULA_VERIFIER_MODEL_PATH")).isEqualTo("/models/verifier-7b");
        assertThat(Manifests.env(pvc.container("drafter"), "SPRING_GRPC_CLIENT_CHANNEL_VERIFIER_TARGET"))
                .isEqualTo("dns:///" + Chart.RELEASE + "-verifier-headless." + Chart.NAMESPACE
                        + ".svc.cluster.local:9092");
        assertThat(pvc.container("verifier").getVolumeMounts())
                .anyMatch(m -> m.getMountPath().equals("/models") && Boolean.TRUE.equals(m.getReadOnly()));
    }

    @Test
    void modelsCanComeFromAnInitContainer() {
        Manifests init = Chart.render(Chart.ciValues("init-models-values.yaml"));
        V1PodSpec verifier = init.podTemplates().get("verifier").getSpec();
        assertThat(verifier.getInitContainers()).singleElement().satisfies(c -> {
            assertThat(c.getImage()).isEqualTo("registry.example.internal/specula/models-qwen:2025.01");
            assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/models"));
        });
        assertThat(verifier.getVolumes()).anyMatch(v -> v.getName().equals("models") && v.getEmptyDir() != null);
        assertThat(init.podTemplates()).doesNotContainKey("drafter");
        assertThat(init.podTemplates().get("kv-store").getSpec().getInitContainers()).isNullOrEmpty();
    }

    @Test
    void kindE2eValuesPlaceDraftersOnEdgeAndVerifierOnGpu() {
        Manifests kind = Chart.render(Chart.repoRoot().resolve("e2e/kind/values-kind.yaml"));
        assertThat(kind.podTemplates().get("drafter").getSpec().getNodeSelector())
                .containsEntry("specula.dev/pool", "edge");
        assertThat(kind.podTemplates().get("verifier").getSpec().getNodeSelector())
                .containsEntry("specula.dev/pool", "gpu");
        kind.podTemplates().forEach(ManifestPolicyTest::assertHardened);
    }
}
