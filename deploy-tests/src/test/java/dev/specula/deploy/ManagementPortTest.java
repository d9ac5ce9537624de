package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code router.containerPorts.management} keeps Actuator off the public OpenAI port (RELIABILITY.md #22, B9):
 * Spring gets {@code management.server.port}, and the probes, the Service and the metrics scraping follow it.
 * It is on by default (8081); 0 leaves Actuator on the HTTP port.
 */
class ManagementPortTest {

    @Test
    void byDefaultActuatorHasItsOwnPortAndProbesServiceAndScrapingFollowIt() {
        Manifests rendered = Chart.render(null, "metrics.serviceMonitor.enabled=true");
        V1Container router = rendered.container("router");

        assertThat(Manifests.env(router, "MANAGEMENT_SERVER_PORT")).isEqualTo("8081");
        assertThat(router.getPorts()).extracting(V1ContainerPort::getName, V1ContainerPort::getContainerPort)
                .contains(org.assertj.core.groups.Tuple.tuple("management", 8081));
        assertThat(router.getReadinessProbe().getHttpGet().getPort().getStrValue()).isEqualTo("management");
        assertThat(router.getLivenessProbe().getHttpGet().getPort().getStrValue()).isEqualTo("management");
        assertThat(router.getStartupProbe().getHttpGet().getPort().getStrValue()).isEqualTo("management");
        V1Service service = rendered.get("Service", "router").as(V1Service.class);
        assertThat(service.getSpec().getPorts()).extracting(V1ServicePort::getName)
                .containsExactly("http", "grpc", "management");
        assertThat(endpointPort(rendered.get("ServiceMonitor", "router"))).isEqualTo("management");
        assertThat(endpointPort(rendered.get("ServiceMonitor", "verifier"))).as("other components unchanged")
                .isEqualTo("http");
    }

    @Test
    void withoutItActuatorStaysOnTheHttpPort() {
        Manifests rendered = Chart.render(null, "router.containerPorts.management=0",
                "metrics.serviceMonitor.enabled=true");
        V1Container router = rendered.container("router");

        assertThat(router.getEnv()).extracting(V1EnvVar::getName).doesNotContain("MANAGEMENT_SERVER_PORT");
        assertThat(router.getPorts()).extracting(V1ContainerPort::getName).containsExactly("grpc", "http");
        assertThat(router.getReadinessProbe().getHttpGet().getPort().getStrValue()).isEqualTo("http");
        assertThat(rendered.get("Service", "router").as(V1Service.class).getSpec().getPorts())
                .extracting(V1ServicePort::getName).containsExactly("http", "grpc");
        assertThat(endpointPort(rendered.get("ServiceMonitor", "router"))).isEqualTo("http");
    }

    @SuppressWarnings("unchecked")
    private static String endpointPort(Manifests.Manifest monitor) {
        Map<String, Object> spec = (Map<String, Object>) monitor.raw().get("spec");
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get("endpoints");
        return (String) endpoints.get(0).get("port");
    }
}
