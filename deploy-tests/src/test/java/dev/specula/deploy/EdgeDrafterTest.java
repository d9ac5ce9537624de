package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.deploy.Manifests.Manifest;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1Toleration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional edge drafter: a second Deployment of the drafter image placed on edge nodes (node selector
 * {@code specula.dev/edge=true}, toleration of the {@code specula.dev/edge=true:NoSchedule} taint), with the
 * drafter's container, environment and probes and a Service of its own. Also: every workload takes placement values.
 */
class EdgeDrafterTest {

    private static final String EDGE = "edge-drafter";

    @Test
    void disabledByDefault() {
        Manifests defaults = Chart.render(Chart.ciValues("default-values.yaml"));
        assertThat(defaults.podTemplates()).doesNotContainKey(EDGE);
        assertThat(defaults.all()).noneMatch(m -> EDGE.equals(m.component()));
        assertThat(Chart.render(null).all()).noneMatch(m -> EDGE.equals(m.component()));
    }

    @Test
    void enabledItRunsTheDrafterOnEdgeNodes() {
        Manifests manifests = Chart.render(null, "edgeDrafter.enabled=true");
        V1Deployment deployment = manifests.get("Deployment", EDGE).as(V1Deployment.class);
        assertThat(deployment.getMetadata().getName()).isEqualTo(Chart.RELEASE + "-edge-drafter");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        V1PodSpec pod = deployment.getSpec().getTemplate().getSpec();

        assertThat(pod.getNodeSelector()).containsExactlyEntriesOf(Map.of("specula.dev/edge", "true"));
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("specula.dev/edge");
            assertThat(t.getOperator()).isEqualTo("Equal");
            assertThat(t.getValue()).isEqualTo("true");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });

        // The drafter's container: same image, environment (verifier channel included), ports, probes, resources.
        V1Container edge = pod.getContainers().get(0);
        V1Container drafter = manifests.container("drafter");
        assertThat(edge.getImage()).isEqualTo(drafter.getImage()).isEqualTo("docker.io/specula/drafter:0.1.0");
        assertThat(edge.getEnv()).isEqualTo(drafter.getEnv());
        assertThat(edge.getPorts()).isEqualTo(drafter.getPorts());
        assertThat(edge.getStartupProbe()).isEqualTo(drafter.getStartupProbe());
        assertThat(edge.getReadinessProbe()).isEqualTo(drafter.getReadinessProbe());
        assertThat(edge.getLivenessProbe()).isEqualTo(drafter.getLivenessProbe());
        assertThat(edge.getReadinessProbe().getGrpc().getService()).isEqualTo("drafter");
        assertThat(edge.getResources()).isEqualTo(drafter.getResources());
        ManifestPolicyTest.assertHardened(EDGE, deployment.getSpec().getTemplate());

        // Its own Service and PDB, selecting only edge drafter pods; the drafter's Service does not select them.
        V1Service service = manifests.ofType(V1Service.class).stream()
                .filter(s -> s.getMetadata().getName().equals(Chart.RELEASE + "-edge-drafter")).findFirst().orElseThrow();
        assertThat(service.getSpec().getSelector()).isEqualTo(ManifestPolicyTest.selector(EDGE))
                .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(service.getSpec().getPorts()).anyMatch(p -> p.getName().equals("grpc") && p.getPort() == 9091);
        assertThat(manifests.find("PodDisruptionBudget", EDGE)).isPresent();
        assertThat(manifests.find("HorizontalPodAutoscaler", EDGE)).isEmpty();
        assertThat(pod.getServiceAccountName()).isEqualTo(Chart.RELEASE + "-edge-drafter");
        assertThat(manifests.find("ServiceAccount", EDGE)).isPresent();

        // The regular drafter keeps its (empty) placement.
        V1PodSpec regular = manifests.podTemplates().get("drafter").getSpec();
        assertThat(regular.getNodeSelector()).isNullOrEmpty();
        assertThat(regular.getTolerations()).isNullOrEmpty();
    }

    @Test
    void itFollowsTheDrafterImageAndConfigurationButNotItsPlacement() {
        Manifests manifests = Chart.render(null, "edgeDrafter.enabled=true", "drafter.image.tag=0.1.1",
                "drafter.config.roundTimeout=20s", "drafter.nodeSelector.pool=cpu",
                "edgeDrafter.resources.requests.cpu=250m", "edgeDrafter.resources.requests.memory=512Mi",
                "edgeDrafter.resources.limits.memory=512Mi", "edgeDrafter.replicaCount=3");
        V1Container edge = manifests.container(EDGE);
        assertThat(edge.getImage()).isEqualTo("docker.io/specula/drafter:0.1.1");
        assertThat(Manifests.env(edge, "SPECULA_DRAFTER_ROUND_TIMEOUT")).isEqualTo("20s");
        assertThat(edge.getResources().getLimits().get("memory").toSuffixedString()).isEqualTo("512Mi");
        assertThat(manifests.podTemplates().get(EDGE).getSpec().getNodeSelector())
                .containsExactlyEntriesOf(Map.of("specula.dev/edge", "true"));
        assertThat(manifests.get("Deployment", EDGE).as(V1Deployment.class).getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void theVerifierAdmitsEdgeDraftersOnlyWhenTheyExist() {
        List<Map<String, String>> off = verifierPeers(Chart.render(null));
        List<Map<String, String>> on = verifierPeers(Chart.render(null, "edgeDrafter.enabled=true"));
        assertThat(off).doesNotContain(ManifestPolicyTest.selector(EDGE));
        assertThat(on).contains(ManifestPolicyTest.selector(EDGE));
    }

    @Test
    void theEdgeDrafterCiValuesSpreadItAcrossZones() {
        Manifests manifests = Chart.render(Chart.ciValues("edge-drafter-values.yaml"));
        V1PodSpec pod = manifests.podTemplates().get(EDGE).getSpec();
        assertThat(pod.getTopologySpreadConstraints()).singleElement()
                .satisfies(c -> assertThat(c.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone"));
        assertThat(pod.getNodeSelector()).containsEntry("specula.dev/edge", "true");
        assertThat(manifests.all()).anyMatch(m -> m.kind().equals("Service")
                && m.name().equals(Chart.RELEASE + "-edge-drafter-headless"));
    }

    /** nodeSelector, tolerations and affinity reach the pod spec of every workload, the edge drafter's included. */
    @Test
    void everyWorkloadAcceptsPlacementValues(@TempDir Path dir) throws Exception {
        StringBuilder values = new StringBuilder();
        for (String key : List.of("router", "drafter", "edgeDrafter", "verifier", "kvstore")) {
            values.append(key).append(":\n").append(key.equals("edgeDrafter") ? "  enabled: true\n" : "").append("""
                      nodeSelector:
                        specula.dev/pool: %1$s
                      tolerations:
                        - {key: specula.dev/%1$s, operator: Exists, effect: NoSchedule}
                      affinity:
                        nodeAffinity:
                          requiredDuringSchedulingIgnoredDuringExecution:
                            nodeSelectorTerms:
                              - matchExpressions:
                                  - {key: kubernetes.io/arch, operator: In, values: [amd64]}
                    """.formatted(key));
        }
        Path file = dir.resolve("placement-values.yaml");
        Files.writeString(file, values.toString());
        Manifests manifests = Chart.render(file);
        Map<String, String> components = Map.of("router", "router", "drafter", "drafter", "edge-drafter",
                "edgeDrafter", "verifier", "verifier", "kv-store", "kvstore");
        assertThat(manifests.podTemplates().keySet()).containsExactlyInAnyOrderElementsOf(components.keySet());
        manifests.podTemplates().forEach((component, template) -> {
            V1PodSpec pod = template.getSpec();
            String key = components.get(component);
            // (Helm merges maps: the edge drafter keeps its default specula.dev/edge label next to this one.)
            assertThat(pod.getNodeSelector()).as(component).containsEntry("specula.dev/pool", key);
            assertThat(pod.getTolerations()).as(component).extracting(V1Toleration::getKey)
                    .containsExactly("specula.dev/" + key);
            assertThat(pod.getAffinity().getPodAntiAffinity()).as(component).isNull();
            assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                    .getNodeSelectorTerms()).as(component).hasSize(1);
        });
    }

    private static List<Map<String, String>> verifierPeers(Manifests manifests) {
        Manifest policy = manifests.get("NetworkPolicy", "verifier");
        return policy.as(io.kubernetes.client.openapi.models.V1NetworkPolicy.class).getSpec().getIngress().get(0)
                .getFrom().stream().map(p -> p.getPodSelector().getMatchLabels()).toList();
    }
}
