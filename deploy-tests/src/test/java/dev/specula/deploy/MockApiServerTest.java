package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.specula.deploy.Manifests.Manifest;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Applies every rendered object to fabric8's mock API server in CRUD mode through the official Kubernetes Java
 * client (the one the router's discovery will use), then reads each one back: the chart's output is accepted by
 * an API server and survives a round trip. (Kind-level schema validation is what kubeconform does in CI; the mock
 * stores what it is given.) The router's EndpointSlice discovery is not exercised yet: that code does not exist.
 */
class MockApiServerTest {

    /** The mock logs every request at INFO through java.util.logging; keep a reference so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private static KubernetesMockServer server;
    private static ApiClient client;

    /** The custom resources the chart can render; the mock needs their plural and scope. */
    private static final List<CustomResourceDefinitionContext> CRDS = List.of(
            crd("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor"),
            crd("monitoring.coreos.com", "v1", "podmonitors", "PodMonitor"),
            crd("keda.sh", "v1alpha1", "scaledobjects", "ScaledObject"),
            crd("cert-manager.io", "v1", "certificates", "Certificate"));

    @BeforeAll
    static void start() throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(CRDS), false);
        server.init();
        client = new ClientBuilder().setBasePath(server.url("/").replaceAll("/$", "")).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.destroy();
        }
    }

    static Stream<Path> ciValuesFiles() {
        return Chart.ciValuesFiles().stream();
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void everyRenderedObjectIsAcceptedAndReadBack(Path values) throws Exception {
        String namespace = "ns-" + values.getFileName().toString().replace("-values.yaml", "");
        Manifests manifests = Chart.render(values);
        for (Manifest m : manifests.all()) {
            DynamicKubernetesApi api = api(m);
            DynamicKubernetesObject object = new DynamicKubernetesObject(toJson(m));
            KubernetesApiResponse<DynamicKubernetesObject> created = api.create(namespace, object, new io.kubernetes.client.util.generic.options.CreateOptions());
            assertThat(created.isSuccess()).as("create %s: %s %s", m, created.getHttpStatusCode(), created.getStatus())
                    .isTrue();
            KubernetesApiResponse<DynamicKubernetesObject> read = api.get(namespace, m.name());
            assertThat(read.isSuccess()).as("read %s", m).isTrue();
            JsonObject back = read.getObject().getRaw();
            assertThat(back.get("kind").getAsString()).isEqualTo(m.kind());
            assertThat(back.getAsJsonObject("metadata").get("namespace").getAsString()).isEqualTo(namespace);
            JsonObject sent = toJson(m);
            for (String field : List.of("spec", "rules", "roleRef", "subjects", "automountServiceAccountToken")) {
                assertThat(back.get(field)).as("%s %s round trip", m, field).isEqualTo(sent.get(field));
            }
            assertThat(back.getAsJsonObject("metadata").get("labels"))
                    .isEqualTo(sent.getAsJsonObject("metadata").get("labels"));
        }

        // Typed reads with the official client's APIs: the model classes the router's discovery will use.
        AppsV1Api apps = new AppsV1Api(client);
        String instance = "app.kubernetes.io/instance=" + Chart.RELEASE + ",app.kubernetes.io/part-of=specula";
        List<V1Deployment> deployments = apps.listNamespacedDeployment(namespace).labelSelector(instance).execute()
                .getItems();
        List<V1StatefulSet> statefulSets = apps.listNamespacedStatefulSet(namespace).labelSelector(instance).execute()
                .getItems();
        assertThat(deployments.size() + statefulSets.size()).isEqualTo(manifests.podTemplates().size());
        for (V1Deployment d : deployments) {
            assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe()).isNotNull();
        }
        List<V1Service> services = new CoreV1Api(client).listNamespacedService(namespace)
                .labelSelector("app.kubernetes.io/component=verifier").execute().getItems();
        assertThat(services).isNotEmpty().allSatisfy(s -> assertThat(s.getSpec().getPorts())
                .anyMatch(p -> p.getName().equals("grpc")));
        List<V1Role> roles = new RbacAuthorizationV1Api(client).listNamespacedRole(namespace).execute().getItems();
        assertThat(roles).hasSize(1);
        List<V1NetworkPolicy> policies = new NetworkingV1Api(client).listNamespacedNetworkPolicy(namespace).execute()
                .getItems();
        assertThat(policies).hasSize(manifests.ofKind("NetworkPolicy").size());

        Map<String, Long> byKind = manifests.stream().collect(Collectors.groupingBy(Manifest::kind, Collectors.counting()));
        for (Map.Entry<String, Long> kind : byKind.entrySet()) {
            Manifest sample = manifests.ofKind(kind.getKey()).get(0);
            KubernetesApiResponse<io.kubernetes.client.util.generic.dynamic.DynamicKubernetesListObject> list =
                    api(sample).list(namespace);
            assertThat(list.getObject().getItems()).as("listed %s", kind.getKey()).hasSize(kind.getValue().intValue());
        }
    }

    private static DynamicKubernetesApi api(Manifest m) {
        String apiVersion = m.apiVersion();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        return new DynamicKubernetesApi(group, version, plural(m.kind()), client);
    }

    static String plural(String kind) {
        String lower = kind.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith("y")) {
            return lower.substring(0, lower.length() - 1) + "ies";
        }
        return lower.endsWith("s") ? lower + "es" : lower + "s";
    }

    private static JsonObject toJson(Manifest m) {
        JsonElement json = JsonParser.parseString(new com.google.gson.Gson().toJson(m.raw()));
        return json.getAsJsonObject();
    }

    private static CustomResourceDefinitionContext crd(String group, String version, String plural, String kind) {
        return new CustomResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withPlural(plural)
                .withKind(kind).withScope("Namespaced").build();
    }
}
