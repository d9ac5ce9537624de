package dev.specula.router.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.router.backend.Backend;
import dev.specula.router.backend.BackendBreakers;
import dev.specula.router.backend.BackendPool;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ManagedChannelBuilder;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * EndpointSlice discovery through the official client's informer against fabric8's mock API server (CRUD mode):
 * endpoints appear, turn unready, and disappear, and the pool the router chooses from follows each change.
 */
class KubernetesDiscoveryTest {
    private static final String NS = "specula";
    private static final String VERIFIERS = "app.kubernetes.io/component=verifier,app.kubernetes.io/instance=rel";
    /** The mock logs every request at INFO through java.util.logging; keep a reference so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8");

    private KubernetesMockServer server;
    private DiscoveryV1Api api;
    private KubernetesEndpoints source;
    private BackendPool pool;

    @BeforeEach
    void start() {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        ApiClient client = new ClientBuilder().setBasePath(server.url("/").replaceAll("/$", "")).build();
        client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(Duration.ZERO).build());
        api = new DiscoveryV1Api(client);
        source = new KubernetesEndpoints(client, NS, VERIFIERS, "grpc", Duration.ofMinutes(5));
        pool = new BackendPool("verifier", address -> ManagedChannelBuilder.forTarget(address).usePlaintext().build(),
                CircuitBreakerRegistry.of(BackendBreakers.CONFIG));
        source.start(pool::update);
    }

    @AfterEach
    void stop() {
        source.close();
        pool.close();
        server.destroy();
    }

    @Test
    void theRoutersChoiceFollowsEndpointsAppearingTurningUnreadyAndDisappearing() throws Exception {
        api.createNamespacedEndpointSlice(NS, slice("verifier-a", "rel", Map.of("10.0.0.1", true, "10.0.0.2", true)))
                .execute();
        // Another release's verifiers and a slice without the gRPC port are not ours.
        api.createNamespacedEndpointSlice(NS, slice("verifier-x", "other", Map.of("10.9.0.1", true))).execute();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(addresses()).containsExactly("10.0.0.1:9092", "10.0.0.2:9092"));

        api.replaceNamespacedEndpointSlice("verifier-a", NS,
                slice("verifier-a", "rel", Map.of("10.0.0.1", false, "10.0.0.2", true))).execute();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(addresses()).containsExactly("10.0.0.2:9092"));
        assertThat(pool.leastLoaded("", Set.of()).address()).isEqualTo("10.0.0.2:9092");

        api.createNamespacedEndpointSlice(NS, slice("verifier-b", "rel", Map.of("10.0.0.3", true))).execute();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(addresses()).containsExactly("10.0.0.2:9092", "10.0.0.3:9092"));

        api.deleteNamespacedEndpointSlice("verifier-a", NS).execute();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(addresses()).containsExactly("10.0.0.3:9092"));
        Backend only = pool.leastLoaded("", Set.of());
        assertThat(only.address()).isEqualTo("10.0.0.3:9092");
        assertThat(only.zone()).isEqualTo("zone-a");
    }

    @Test
    void terminatingEndpointsAndSlicesWithoutTheNamedPortTakeNoWork() {
        V1EndpointSlice slice = slice("verifier-a", "rel", Map.of("10.0.0.1", true, "10.0.0.2", true));
        slice.getEndpoints().get(0).getConditions().terminating(true);
        List<Endpoint> ready = KubernetesEndpoints.readyEndpoints(slice, "grpc");
        assertThat(ready).hasSize(1);
        assertThat(KubernetesEndpoints.readyEndpoints(slice, "http")).isEmpty();
        slice.getEndpoints().get(1).setConditions(null);
        assertThat(KubernetesEndpoints.readyEndpoints(slice, "grpc")).as("no conditions = ready").hasSize(1);
    }

    private List<String> addresses() {
        return pool.backends().stream().map(Backend::address).toList();
    }

    /** A slice as the EndpointSlice controller writes it: the Service's labels, one endpoint per pod. */
    private static V1EndpointSlice slice(String name, String instance, Map<String, Boolean> readyByIp) {
        V1EndpointSlice slice = new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                .metadata(new V1ObjectMeta().name(name).namespace(NS).labels(Map.of(
                        "app.kubernetes.io/component", "verifier", "app.kubernetes.io/instance", instance,
                        "kubernetes.io/service-name", "specula-verifier")))
                .addressType("IPv4")
                .ports(List.of(new DiscoveryV1EndpointPort().name("grpc").port(9092).protocol("TCP")));
        readyByIp.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> slice.addEndpointsItem(
                new V1Endpoint().addresses(List.of(e.getKey())).zone("zone-a")
                        .conditions(new V1EndpointConditions().ready(e.getValue()))));
        return slice;
    }
}
