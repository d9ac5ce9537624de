package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.deploy.Manifests.Manifest;
import dev.specula.router.discovery.Endpoint;
import dev.specula.router.discovery.KubernetesEndpoints;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router's Kubernetes discovery, configured exactly as the chart configures it, finds the drafters and
 * verifiers the chart declares and nothing else. The mock API server plays the EndpointSlice controller's part:
 * for every rendered Service, a slice with the Service's labels and one ready endpoint per replica.
 */
class ChartDiscoveryTest {
    private static final String NS = "specula";
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8");

    private KubernetesMockServer server;
    private ApiClient client;

    @BeforeEach
    void start() {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        client = new ClientBuilder().setBasePath(server.url("/").replaceAll("/$", "")).build();
        client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(Duration.ZERO).build());
    }

    @AfterEach
    void stop() {
        server.destroy();
    }

    @Test
    void theRouterDiscoversTheDraftersAndVerifiersTheChartDeclares() throws Exception {
        Manifests manifests = Chart.render(Chart.ciValues("edge-drafter-values.yaml"));
        V1Container router = manifests.container("router");
        assertThat(Manifests.env(router, "SPECULA_ROUTER_DISCOVERY_MODE")).isEqualTo("kubernetes");
        assertThat(Manifests.env(manifests.container("drafter"), "SPECULA_DRAFTER_ROUTED_VERIFIERS"))
                .as("drafters accept the verifier the router placed a request on").isEqualTo("*");

        // A component's pods back both its Services (ClusterIP and headless): same pod IPs in both slices.
        Map<String, Integer> expected = new HashMap<>();
        Map<String, Integer> firstIp = new HashMap<>();
        DiscoveryV1Api api = new DiscoveryV1Api(client);
        for (Manifest m : manifests.ofKind("Service")) {
            int replicas = replicas(manifests, m.component());
            int ip = firstIp.computeIfAbsent(m.component(), c -> 1 + 10 * firstIp.size());
            api.createNamespacedEndpointSlice(NS, sliceFor(m.as(V1Service.class), replicas, ip)).execute();
            expected.put(m.component(), replicas);
        }

        List<Endpoint> drafters = discover(Manifests.env(router, "SPECULA_ROUTER_DISCOVERY_DRAFTER_SELECTOR"));
        List<Endpoint> verifiers = discover(Manifests.env(router, "SPECULA_ROUTER_DISCOVERY_VERIFIER_SELECTOR"));

        assertThat(expected.get("drafter")).isPositive();
        assertThat(expected.get("edge-drafter")).isPositive();
        assertThat(drafters).hasSize(expected.get("drafter") + expected.get("edge-drafter"));
        assertThat(verifiers).hasSize(expected.get("verifier"));
        assertThat(verifiers).allSatisfy(e -> assertThat(e.address()).endsWith(":9092"));
    }

    private List<Endpoint> discover(String selector) {
        AtomicReference<List<Endpoint>> seen = new AtomicReference<>(List.of());
        try (KubernetesEndpoints source = new KubernetesEndpoints(client, NS, selector, "grpc",
                Duration.ofMinutes(5))) {
            source.start(seen::set);
            await().atMost(Duration.ofSeconds(20)).until(() -> !seen.get().isEmpty());
            // A second look after the first list: the informer must not keep adding stray slices.
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
            return seen.get();
        }
    }

    private static int replicas(Manifests manifests, String component) {
        return manifests.ofKind("Deployment").stream().filter(d -> component.equals(d.component()))
                .map(d -> d.as(V1Deployment.class).getSpec().getReplicas())
                .map(r -> r == null ? 1 : r).findFirst().orElse(1);
    }

    /** What the EndpointSlice controller writes for a Service: its labels, its ports, one endpoint per pod. */
    private static V1EndpointSlice sliceFor(V1Service service, int replicas, int firstIp) {
        Map<String, String> labels = new HashMap<>(service.getMetadata().getLabels());
        labels.put("kubernetes.io/service-name", service.getMetadata().getName());
        List<DiscoveryV1EndpointPort> ports = new ArrayList<>();
        service.getSpec().getPorts().forEach(p -> ports.add(new DiscoveryV1EndpointPort().name(p.getName())
                .port(p.getTargetPort() != null && p.getTargetPort().isInteger() ? p.getTargetPort().getIntValue()
                        : p.getPort()).protocol("TCP")));
        V1EndpointSlice slice = new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                .metadata(new V1ObjectMeta().name(service.getMetadata().getName() + "-abcde").namespace(NS)
                        .labels(labels))
                .addressType("IPv4").ports(ports);
        for (int i = 0; i < replicas; i++) {
            slice.addEndpointsItem(new V1Endpoint().addresses(List.of("10.1.0." + (firstIp + i)))
                    .conditions(new V1EndpointConditions().ready(true)));
        }
        return slice;
    }
}
