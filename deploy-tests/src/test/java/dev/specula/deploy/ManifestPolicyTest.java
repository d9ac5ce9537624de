package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.deploy.Manifests.Manifest;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPeer;
import io.kubernetes.client.openapi.models.V1NetworkPolicyIngressRule;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's conventions (CONVENTIONS.md 4.5), checked on the objects rendered from every ci values file:
 * labels and immutable selectors, pinned images, security contexts, probes and resources, Service ports, the
 * router's RBAC, NetworkPolicies, disruption budgets and autoscalers.
 */
class ManifestPolicyTest {

    static final Set<String> COMPONENTS = Set.of("router", "drafter", "edge-drafter", "verifier", "kv-store");
    static final List<String> REC_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/managed-by", "helm.sh/chart");
    static final Set<String> SELECTOR_KEYS = Set.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/component");

    static Stream<Path> ciValuesFiles() {
        return Chart.ciValuesFiles().stream();
    }

    static Map<String, String> selector(String component) {
        return Map.of("app.kubernetes.io/name", "specula", "app.kubernetes.io/instance", Chart.RELEASE,
                "app.kubernetes.io/component", component);
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void everyObjectCarriesTheConventionalLabelsAndNoNamespace(Path values) {
        for (Manifest m : Chart.render(values).all()) {
            assertThat(m.apiVersion()).as("%s apiVersion", m).isNotBlank();
            assertThat(m.labels()).as("%s labels", m).containsKeys(REC_LABELS.toArray(String[]::new))
                    .containsEntry("app.kubernetes.io/part-of", "specula")
                    .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm");
            assertThat(m.component()).as("%s component", m).isIn(COMPONENTS);
            assertThat(m.metadata()).as("%s must not hard-code metadata.namespace", m).doesNotContainKey("namespace");
        }
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void selectorsAreImmutableAndMatchTheirPods(Path values) {
        Manifests manifests = Chart.render(values);
        for (Manifest m : manifests.all()) {
            Map<String, String> matchLabels = switch (m.kind()) {
                case "Deployment", "StatefulSet", "PodDisruptionBudget", "ServiceMonitor", "PodMonitor" ->
                        nested(m.raw(), "spec", "selector", "matchLabels");
                case "Service" -> nested(m.raw(), "spec", "selector");
                case "NetworkPolicy" -> nested(m.raw(), "spec", "podSelector", "matchLabels");
                default -> null;
            };
            if (matchLabels == null) {
                continue;
            }
            assertThat(matchLabels).as("%s selector: name + instance + component only", m)
                    .isEqualTo(selector(m.component()));
        }
        manifests.podTemplates().forEach((component, pod) ->
                assertThat(pod.getMetadata().getLabels()).as("%s pod labels", component)
                        .containsAllEntriesOf(selector(component)).containsEntry("app.kubernetes.io/part-of", "specula"));
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void imagesArePinnedNeverLatest(Path values) {
        Chart.render(values).podTemplates().forEach((component, pod) -> {
            for (V1Container c : allContainers(pod.getSpec())) {
                String image = c.getImage();
                assertThat(image).as("%s/%s image", component, c.getName())
                        .doesNotEndWith(":latest").matches(".+(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$");
                assertThat(c.getImagePullPolicy()).isIn("IfNotPresent", "Always", "Never");
            }
        });
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void containersRunNonRootReadOnlyWithNoCapabilities(Path values) {
        Chart.render(values).podTemplates().forEach((component, pod) -> assertHardened(component, pod));
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void containersHaveProbesAndResources(Path values) {
        Manifests manifests = Chart.render(values);
        manifests.podTemplates().forEach((component, pod) -> {
            for (V1Container c : allContainers(pod.getSpec())) {
                assertThat(c.getResources()).as("%s/%s resources", component, c.getName()).isNotNull();
                assertThat(c.getResources().getRequests()).as("%s/%s requests", component, c.getName())
                        .containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as("%s/%s limits", component, c.getName())
                        .containsKey("memory");
            }
            V1Container main = pod.getSpec().getContainers().get(0);
            assertThat(pod.getSpec().getContainers()).hasSize(1);
            assertThat(main.getLivenessProbe()).as("%s liveness", component).isNotNull();
            assertThat(main.getReadinessProbe()).as("%s readiness", component).isNotNull();
            boolean tls = "true".equals(Manifests.env(main, "SPRING_GRPC_SERVER_SSL_ENABLED"));
            if (component.equals("router") || tls) {
                // HTTP Actuator groups; with TLS, gRPC components too, because kubelet's gRPC probe has no TLS.
                assertThat(main.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
                assertThat(main.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
                // Actuator's own port when the component has one (router.containerPorts.management).
                String actuator = main.getPorts().stream().anyMatch(p -> "management".equals(p.getName()))
                        ? "management" : "http";
                assertThat(main.getReadinessProbe().getHttpGet().getPort().getStrValue()).isEqualTo(actuator);
            } else {
                int grpcPort = port(main, "grpc");
                for (V1Probe probe : List.of(main.getLivenessProbe(), main.getReadinessProbe())) {
                    assertThat(probe.getGrpc()).as("%s gRPC-native probe", component).isNotNull();
                    assertThat(probe.getGrpc().getPort()).isEqualTo(grpcPort);
                }
                String modelHealth = switch (component) {
                    case "drafter", "edge-drafter" -> "drafter";
                    case "verifier" -> "verifier";
                    default -> "";
                };
                assertThat(main.getReadinessProbe().getGrpc().getService()).isEqualTo(modelHealth);
                assertThat(main.getStartupProbe().getGrpc().getService()).isEqualTo(modelHealth);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void servicesExposeNamedPortsOfTheirPods(Path values) {
        Manifests manifests = Chart.render(values);
        for (V1Service service : manifests.ofType(V1Service.class)) {
            String component = service.getMetadata().getLabels().get("app.kubernetes.io/component");
            V1Container container = manifests.container(component);
            List<String> names = service.getSpec().getPorts().stream().map(V1ServicePort::getName).toList();
            List<String> expected = container.getPorts().stream().anyMatch(p -> "management".equals(p.getName()))
                    ? List.of("grpc", "http", "management") : List.of("grpc", "http");
            assertThat(names).as("%s ports", service.getMetadata().getName())
                    .containsExactlyInAnyOrderElementsOf(expected);
            for (V1ServicePort p : service.getSpec().getPorts()) {
                assertThat(p.getTargetPort().getStrValue()).isEqualTo(p.getName());
                port(container, p.getName());
            }
            if (component.equals("router") && service.getSpec().getClusterIP() == null) {
                V1ServicePort first = service.getSpec().getPorts().get(0);
                assertThat(first.getName()).as("router targetPorts[0] is the OpenAI HTTP port").isEqualTo("http");
                assertThat(port(container, "http")).isEqualTo(8000);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void clientsDialTheServicesTheChartDeclares(Path values) {
        Manifests manifests = Chart.render(values);
        Map<String, V1Service> services = manifests.ofType(V1Service.class).stream()
                .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s));
        List<String[]> channels = List.of(new String[] {"router", "DRAFTER", "drafter"},
                new String[] {"router", "VERIFIER", "verifier"}, new String[] {"drafter", "VERIFIER", "verifier"},
                new String[] {"edge-drafter", "VERIFIER", "verifier"}, new String[] {"verifier", "KVSTORE", "kv-store"});
        for (String[] channel : channels) {
            if (!manifests.podTemplates().containsKey(channel[0]) || !manifests.podTemplates().containsKey(channel[2])) {
                continue;
            }
            String target = Manifests.env(manifests.container(channel[0]),
                    "SPRING_GRPC_CLIENT_CHANNEL_" + channel[1] + "_TARGET");
            assertThat(target).as("%s -> %s target", channel[0], channel[2]).matches("(static://|dns:///).+:\\d+");
            String hostPort = target.replaceFirst("^(static://|dns:///)", "");
            String host = hostPort.substring(0, hostPort.lastIndexOf(':')).split("\\.")[0];
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            V1Service service = services.get(host);
            assertThat(service).as("Service %s named by %s", host, target).isNotNull();
            assertThat(service.getSpec().getSelector()).isEqualTo(selector(channel[2]));
            assertThat(service.getSpec().getPorts()).anyMatch(p -> p.getName().equals("grpc") && p.getPort() == port);
            if (target.startsWith("dns:///")) {
                assertThat(service.getSpec().getClusterIP()).as("dns:/// needs a headless Service").isEqualTo("None");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void routerRoleGrantsExactlyWhatDiscoveryNeeds(Path values) {
        Manifests manifests = Chart.render(values);
        List<V1Role> roles = manifests.ofType(V1Role.class);
        assertThat(roles).hasSize(1);
        List<String> grants = new ArrayList<>();
        for (V1PolicyRule rule : roles.get(0).getRules()) {
            assertThat(rule.getResourceNames()).isNullOrEmpty();
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        grants.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
        }
        assertThat(grants).containsExactlyInAnyOrder(
                "discovery.k8s.io/endpointslices:get", "discovery.k8s.io/endpointslices:list",
                "discovery.k8s.io/endpointslices:watch", "/pods:get", "/pods:list", "/pods:watch");

        V1RoleBinding binding = manifests.ofType(V1RoleBinding.class).get(0);
        assertThat(binding.getRoleRef().getName()).isEqualTo(roles.get(0).getMetadata().getName());
        V1PodSpec router = manifests.podTemplates().get("router").getSpec();
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(router.getServiceAccountName());
        });
        assertThat(router.getAutomountServiceAccountToken()).isTrue();
        manifests.podTemplates().forEach((component, pod) -> {
            if (!component.equals("router")) {
                assertThat(pod.getSpec().getAutomountServiceAccountToken()).as("%s needs no API token", component)
                        .isFalse();
                assertThat(pod.getSpec().getServiceAccountName()).isNotEqualTo(router.getServiceAccountName());
            }
        });
    }

    /**
     * Verifier and KV store admit exactly their gRPC clients: the KV store only verifier pods (the verifier is the
     * store's only client), the verifier the router, the drafters and, when rendered, the edge drafters. Every
     * workload whose environment dials a protected Service must be among that Service's admitted peers.
     */
    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void verifierAndKvStoreAcceptOnlyTheirClients(Path values) {
        Manifests manifests = Chart.render(values);
        List<V1NetworkPolicy> policies = manifests.ofType(V1NetworkPolicy.class);
        Set<String> protectedComponents = manifests.podTemplates().keySet().stream()
                .filter(c -> c.equals("verifier") || c.equals("kv-store")).collect(Collectors.toSet());
        assertThat(policies).extracting(p -> p.getMetadata().getLabels().get("app.kubernetes.io/component"))
                .containsExactlyInAnyOrderElementsOf(protectedComponents);
        Map<String, List<String>> clients = Map.of(
                "kv-store", List.of("verifier"),
                "verifier", manifests.podTemplates().containsKey("edge-drafter")
                        ? List.of("router", "drafter", "edge-drafter") : List.of("router", "drafter"));
        Map<String, String> serviceComponents = manifests.ofType(V1Service.class).stream().collect(Collectors.toMap(
                s -> s.getMetadata().getName(), s -> s.getMetadata().getLabels().get("app.kubernetes.io/component")));
        for (V1NetworkPolicy policy : policies) {
            String component = policy.getMetadata().getLabels().get("app.kubernetes.io/component");
            assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(selector(component));
            assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
            List<V1NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            assertThat(rules).as("%s ingress rules", component).hasSize(1);
            List<V1NetworkPolicyPeer> peers = rules.get(0).getFrom();
            assertThat(peers).allSatisfy(peer -> {
                assertThat(peer.getNamespaceSelector()).isNull();
                assertThat(peer.getIpBlock()).isNull();
                assertThat(peer.getPodSelector().getMatchExpressions()).isNullOrEmpty();
            });
            List<Map<String, String>> admitted = peers.stream().map(peer -> peer.getPodSelector().getMatchLabels())
                    .toList();
            assertThat(admitted).as("%s admits", component)
                    .containsExactlyInAnyOrderElementsOf(clients.get(component).stream().map(c -> selector(c)).toList());
            assertThat(rules.get(0).getPorts()).extracting(p -> p.getPort().getStrValue())
                    .containsExactlyInAnyOrder("grpc", "http");

            // The client graph the environment declares agrees with the policy.
            manifests.podTemplates().forEach((client, pod) -> {
                for (var env : pod.getSpec().getContainers().get(0).getEnv()) {
                    if (!env.getName().matches("SPRING_GRPC_CLIENT_CHANNEL_[A-Z]+_TARGET") || env.getValue() == null) {
                        continue;
                    }
                    String host = env.getValue().replaceFirst("^(static://|dns:///)", "").split("[.:]")[0];
                    if (component.equals(serviceComponents.get(host))) {
                        assertThat(admitted).as("%s dials %s (%s) but is not admitted", client, component, env.getName())
                                .contains(selector(client));
                    }
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void disruptionBudgetsAndAutoscalersTargetTheirWorkloads(Path values) {
        Manifests manifests = Chart.render(values);
        for (V1PodDisruptionBudget pdb : manifests.ofType(V1PodDisruptionBudget.class)) {
            String component = pdb.getMetadata().getLabels().get("app.kubernetes.io/component");
            assertThat(manifests.podTemplates()).containsKey(component);
            assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(selector(component));
        }
        for (V2HorizontalPodAutoscaler hpa : manifests.ofType(V2HorizontalPodAutoscaler.class)) {
            String component = hpa.getMetadata().getLabels().get("app.kubernetes.io/component");
            assertThat(component).isIn("router", "drafter");
            assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            Manifest deployment = manifests.get("Deployment", component);
            assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.name());
            Map<String, Object> deploymentSpec = nested(deployment.raw(), "spec");
            assertThat(deploymentSpec).as("the HPA owns the replica count").doesNotContainKey("replicas");
            assertThat(hpa.getSpec().getMinReplicas()).isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
        }
        for (Manifest scaled : manifests.ofKind("ScaledObject")) {
            assertThat(scaled.component()).isEqualTo("verifier");
            List<Map<String, Object>> triggers = nested(scaled.raw(), "spec", "triggers");
            Map<String, Object> trigger = triggers.get(0);
            assertThat(trigger).containsEntry("type", "prometheus");
            assertThat(String.valueOf(((Map<?, ?>) trigger.get("metadata")).get("query")))
                    .contains("num_requests_waiting");
        }
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void helmTestHookCallsTheRouter(Path values, @TempDir Path scratch) throws Exception {
        String source = java.nio.file.Files.readString(Chart.dir().resolve("templates/tests/test-router.yaml"));
        assertThat(source).contains("helm.sh/hook: test");
        Manifests withHooks = Chart.renderWithTestHooks(values, scratch);
        List<Manifest> pods = withHooks.ofKind("Pod");
        assertThat(pods).singleElement().satisfies(pod -> {
            assertThat(pod.labels()).containsEntry("app.kubernetes.io/component", "test");
            assertThat(pod.text()).contains("/actuator/health").contains(Chart.RELEASE + "-router:");
            V1PodSpec spec = ((io.kubernetes.client.openapi.models.V1Pod) pod.typed().orElseThrow()).getSpec();
            assertThat(spec.getRestartPolicy()).isEqualTo("Never");
            assertHardenedContainers("test", spec);
        });
    }

    // ---------------------------------------------------------------------------------------------------------

    static void assertHardened(String component, V1PodTemplateSpec pod) {
        V1PodSecurityContext podContext = pod.getSpec().getSecurityContext();
        assertThat(podContext.getRunAsNonRoot()).as("%s pod runAsNonRoot", component).isTrue();
        assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertHardenedContainers(component, pod.getSpec());
        List<String> tmpMounts = pod.getSpec().getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals("/tmp")).map(m -> m.getName()).toList();
        assertThat(tmpMounts).as("%s writable /tmp", component).hasSize(1);
        V1Volume tmp = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(tmpMounts.get(0)))
                .findFirst().orElseThrow();
        assertThat(tmp.getEmptyDir()).as("%s /tmp is an emptyDir", component).isNotNull();
    }

    static void assertHardenedContainers(String component, V1PodSpec spec) {
        for (V1Container c : allContainers(spec)) {
            V1SecurityContext sc = c.getSecurityContext();
            assertThat(sc).as("%s/%s securityContext", component, c.getName()).isNotNull();
            assertThat(sc.getRunAsNonRoot()).as("%s/%s runAsNonRoot", component, c.getName()).isTrue();
            assertThat(sc.getRunAsUser()).as("%s/%s runAsUser", component, c.getName()).isNotNull().isPositive();
            assertThat(sc.getReadOnlyRootFilesystem()).as("%s/%s readOnlyRootFilesystem", component, c.getName())
                    .isTrue();
            assertThat(sc.getAllowPrivilegeEscalation()).as("%s/%s allowPrivilegeEscalation", component, c.getName())
                    .isFalse();
            assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
            assertThat(sc.getCapabilities().getDrop()).as("%s/%s drop", component, c.getName()).contains("ALL");
            assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
            assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        }
    }

    static List<V1Container> allContainers(V1PodSpec spec) {
        List<V1Container> all = new ArrayList<>(spec.getContainers());
        if (spec.getInitContainers() != null) {
            all.addAll(spec.getInitContainers());
        }
        return all;
    }

    static int port(V1Container container, String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(V1ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError(container.getName() + " has no port " + name));
    }

    @SuppressWarnings("unchecked")
    static <T> T nested(Map<String, Object> map, String... path) {
        Object node = map;
        for (String key : path) {
            node = node == null ? null : ((Map<String, Object>) node).get(key);
        }
        return (T) node;
    }
}
