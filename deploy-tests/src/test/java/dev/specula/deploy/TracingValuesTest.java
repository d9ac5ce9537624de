package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1EnvVar;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tracing is Spring Boot's own configuration ({@code management.tracing.sampling.probability},
 * {@code management.opentelemetry.tracing.export.otlp.endpoint}): the chart hands both to every service, samples
 * nothing and names no collector by default, and sets what {@code tracing.*} says otherwise.
 */
class TracingValuesTest {
    static final String SAMPLING = "MANAGEMENT_TRACING_SAMPLING_PROBABILITY";
    static final String ENDPOINT = "MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT";
    static final List<String> OBSERVATION = List.of("SPRING_GRPC_SERVER_OBSERVATION_ENABLED",
            "SPRING_GRPC_CLIENT_OBSERVATION_ENABLED");
    static final List<String> SERVICES = List.of("router", "drafter", "verifier", "kv-store");

    @Test
    void byDefaultNothingIsSampledAndNoCollectorIsNamed() {
        Manifests manifests = Chart.render(Chart.ciValues("default-values.yaml"));
        for (String service : SERVICES) {
            assertThat(Manifests.env(manifests.container(service), SAMPLING)).as(service).isEqualTo("0");
            assertThat(manifests.container(service).getEnv()).extracting(V1EnvVar::getName).as(service)
                    .doesNotContain(ENDPOINT).doesNotContainAnyElementsOf(OBSERVATION);
        }
    }

    /** gRPC observations carry traces between the services but cost throughput: on only when tracing is. */
    @Test
    void grpcObservationsAreOnWhenTracesAreSampledOrExported() {
        for (String tracing : new String[] {"tracing.samplingProbability=0.1",
                "tracing.otlpEndpoint=http://collector:4318/v1/traces"}) {
            Manifests manifests = Chart.render(null, tracing);
            for (String service : SERVICES) {
                for (String observation : OBSERVATION) {
                    assertThat(Manifests.env(manifests.container(service), observation)).as(service + ", " + tracing)
                            .isEqualTo("true");
                }
            }
        }
    }

    @Test
    void everyServiceExportsToTheConfiguredCollector() {
        Manifests manifests = Chart.render(null, "tracing.otlpEndpoint=http://otel-collector:4318/v1/traces",
                "tracing.samplingProbability=0.25", "edgeDrafter.enabled=true");
        for (String service : List.of("router", "drafter", "verifier", "kv-store", "edge-drafter")) {
            assertThat(Manifests.env(manifests.container(service), SAMPLING)).as(service).isEqualTo("0.25");
            assertThat(Manifests.env(manifests.container(service), ENDPOINT)).as(service)
                    .isEqualTo("http://otel-collector:4318/v1/traces");
        }
    }

    @Test
    void probabilitiesOutsideZeroToOneAreRejected() {
        for (String bad : new String[] {"tracing.samplingProbability=1.5", "tracing.samplingProbability=2",
                "tracing.samplingProbability=-1", "tracing.otlpEndpoint=otel-collector:4318"}) {
            assertThatThrownBy(() -> Chart.render(null, bad)).as(bad).hasMessageContaining("tracing");
        }
    }

    /** The binding rule of {@link SpringBindingTest} holds for Spring's own properties too. */
    @Test
    void theVariablesNameSpringBootsTracingProperties() {
        assertThat(SpringBindingTest.binds(SAMPLING, "management.tracing.sampling.probability")).isTrue();
        assertThat(SpringBindingTest.binds(OBSERVATION.get(0), "spring.grpc.server.observation.enabled")).isTrue();
        assertThat(SpringBindingTest.binds(OBSERVATION.get(1), "spring.grpc.client.observation.enabled")).isTrue();
        assertThat(SpringBindingTest.binds(ENDPOINT, "management.opentelemetry.tracing.export.otlp.endpoint"))
                .isTrue();
    }
}
