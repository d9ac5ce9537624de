package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import org.junit.jupiter.api.Test;

/**
 * The verifier uses the KV store only when {@code spring.grpc.client.channel.kvstore.target} is set
 * (VerifierConfiguration): the chart sets it to this release's store while {@code kvstore.enabled}, and never
 * otherwise.
 */
class KvStoreWiringTest {

    static final String TARGET = "SPRING_GRPC_CLIENT_CHANNEL_KVSTORE_TARGET";

    @Test
    void verifierDialsTheReleasesKvStoreWhenItIsEnabled() {
        V1Container verifier = Chart.render(Chart.ciValues("default-values.yaml")).container("verifier");
        assertThat(Manifests.env(verifier, TARGET)).isEqualTo("static://" + Chart.RELEASE + "-kvstore:9093");
        assertThat(Manifests.env(verifier, "SPRING_GRPC_CLIENT_CHANNEL_KVSTORE_INBOUND_MESSAGE_MAX_SIZE"))
                .isEqualTo("16MB");

        // channels.mode=dns and TLS: the headless Service, balanced per pod, over the mesh's SSL bundle.
        V1Container tls = Chart.render(Chart.ciValues("edge-gpu-values.yaml")).container("verifier");
        assertThat(Manifests.env(tls, TARGET)).isEqualTo("dns:///" + Chart.RELEASE + "-kvstore-headless."
                + Chart.NAMESPACE + ".svc.cluster.local:9093");
        assertThat(Manifests.env(tls, "SPRING_GRPC_CLIENT_CHANNEL_KVSTORE_SSL_ENABLED")).isEqualTo("true");
        assertThat(Manifests.env(tls, "SPRING_GRPC_CLIENT_CHANNEL_KVSTORE_SSL_BUNDLE")).isEqualTo("specula");

        // The Service port follows kvstore.service.ports.grpc.
        V1Container moved = Chart.render(null, "kvstore.service.ports.grpc=19093").container("verifier");
        assertThat(Manifests.env(moved, TARGET)).isEqualTo("static://" + Chart.RELEASE + "-kvstore:19093");
    }

    @Test
    void withoutTheKvStoreTheVerifierGetsNoStoreChannel() {
        Manifests off = Chart.render(null, "kvstore.enabled=false");
        assertThat(off.podTemplates()).doesNotContainKey("kv-store");
        assertThat(off.container("verifier").getEnv()).extracting(V1EnvVar::getName)
                .noneMatch(name -> name.startsWith("SPRING_GRPC_CLIENT_CHANNEL_KVSTORE_"));
        assertThat(off.ofType(V1NetworkPolicy.class))
                .extracting(p -> p.getMetadata().getLabels().get("app.kubernetes.io/component"))
                .containsExactly("verifier");
    }

    @Test
    void anExternalStoreCanBeNamed() {
        V1Container verifier = Chart.render(null, "kvstore.enabled=false",
                "verifier.kvstoreTarget=static://kv.example.internal:9093").container("verifier");
        assertThat(Manifests.env(verifier, TARGET)).isEqualTo("static://kv.example.internal:9093");
    }
}
