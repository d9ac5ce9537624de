package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Client certificates are a per-component policy (RELIABILITY.md #20): with TLS on, the internal gRPC servers
 * (drafter, verifier, KV store, edge drafter) require a certificate from the mesh CA, which every component
 * presents when it dials them through the {@code specula} bundle, while the router's public port serves TLS without
 * asking its clients for one. Each side has its own value. MutualTlsGrpcTest (verifier-service) runs these same
 * properties against real certificates.
 */
class MutualTlsValuesTest {
    private static final String CLIENT_AUTH = "SPRING_GRPC_SERVER_SSL_CLIENT_AUTH";
    private static final List<String> INTERNAL = List.of("drafter", "verifier", "kv-store", "edge-drafter");
    private static final String[] TLS = {"tls.enabled=true", "tls.existingSecret=mesh-tls", "edgeDrafter.enabled=true"};

    @Test
    void withTlsTheInternalPlaneIsMutualAndThePublicRouterPortIsNot() {
        Manifests manifests = Chart.render(null, TLS);
        for (String component : INTERNAL) {
            V1Container container = manifests.container(component);
            assertThat(Manifests.env(container, CLIENT_AUTH)).as(component).isEqualTo("require");
            assertThat(Manifests.env(container, "SPRING_GRPC_SERVER_SSL_BUNDLE")).as(component).isEqualTo("specula");
            assertThat(Manifests.env(container, "SPRING_SSL_BUNDLE_PEM_SPECULA_KEYSTORE_CERTIFICATE"))
                    .as("%s presents the mesh certificate when it dials", component)
                    .isEqualTo("file:/etc/specula/tls/tls.crt");
        }
        V1Container router = manifests.container("router");
        assertThat(Manifests.env(router, CLIENT_AUTH)).isEqualTo("none");
        assertThat(Manifests.env(router, "SPRING_GRPC_SERVER_SSL_ENABLED")).isEqualTo("true");
        // The router's client side to drafters and verifiers holds the same bundle, so it passes their mTLS.
        for (String channel : List.of("DRAFTER", "VERIFIER")) {
            assertThat(Manifests.env(router, "SPRING_GRPC_CLIENT_CHANNEL_" + channel + "_SSL_BUNDLE"))
                    .isEqualTo("specula");
        }
    }

    /**
     * With Kubernetes discovery (the default) the router dials drafter and verifier pods by address, and drafters
     * dial the verifier pod the router placed a request on: those unnamed channels use the mesh bundle too, and the
     * pods' certificate is checked against their Service name (the certificate names Services, not pod IPs).
     */
    @Test
    void podsDialledByAddressUseTheBundleAndTheServiceNameAsAuthority() {
        Manifests manifests = Chart.render(null, TLS);
        V1Container router = manifests.container("router");
        assertThat(Manifests.env(router, "SPECULA_ROUTER_DISCOVERY_MODE")).isEqualTo("kubernetes");
        assertThat(Manifests.env(router, "SPRING_GRPC_CLIENT_CHANNEL_DEFAULT_SSL_ENABLED")).isEqualTo("true");
        assertThat(Manifests.env(router, "SPRING_GRPC_CLIENT_CHANNEL_DEFAULT_SSL_BUNDLE")).isEqualTo("specula");
        assertThat(Manifests.env(router, "SPECULA_ROUTER_DISCOVERY_DRAFTER_AUTHORITY"))
                .isEqualTo(Chart.RELEASE + "-drafter");
        assertThat(Manifests.env(router, "SPECULA_ROUTER_DISCOVERY_VERIFIER_AUTHORITY"))
                .isEqualTo(Chart.RELEASE + "-verifier");
        for (String drafter : List.of("drafter", "edge-drafter")) {
            V1Container container = manifests.container(drafter);
            assertThat(Manifests.env(container, "SPRING_GRPC_CLIENT_CHANNEL_DEFAULT_SSL_BUNDLE")).as(drafter)
                    .isEqualTo("specula");
            assertThat(Manifests.env(container, "SPECULA_DRAFTER_ROUTED_VERIFIER_AUTHORITY")).as(drafter)
                    .isEqualTo(Chart.RELEASE + "-verifier");
        }
        // Those names are in the certificate cert-manager is asked for.
        String certificate = Chart.renderText(Chart.dir(), null, "tls.enabled=true", "tls.certManager.enabled=true",
                "tls.certManager.issuerRef.name=ca");
        assertThat(certificate).contains("- " + Chart.RELEASE + "-drafter\n", "- " + Chart.RELEASE + "-verifier\n",
                "- client auth");

        Manifests plaintext = Chart.render(null);
        assertThat(plaintext.container("router").getEnv()).extracting(V1EnvVar::getName)
                .doesNotContain("SPECULA_ROUTER_DISCOVERY_VERIFIER_AUTHORITY",
                        "SPRING_GRPC_CLIENT_CHANNEL_DEFAULT_SSL_ENABLED");
    }

    @Test
    void eachSideHasItsOwnValue() {
        Manifests manifests = Chart.render(null, "tls.enabled=true", "tls.existingSecret=mesh-tls",
                "tls.internal.clientAuth=optional", "tls.router.clientAuth=require");
        assertThat(Manifests.env(manifests.container("verifier"), CLIENT_AUTH)).isEqualTo("optional");
        assertThat(Manifests.env(manifests.container("kv-store"), CLIENT_AUTH)).isEqualTo("optional");
        assertThat(Manifests.env(manifests.container("router"), CLIENT_AUTH)).isEqualTo("require");
    }

    @Test
    void withoutTlsNoPodIsToldAboutClientCertificates() {
        Manifests manifests = Chart.render(null, "edgeDrafter.enabled=true");
        for (String component : manifests.podTemplates().keySet()) {
            assertThat(manifests.container(component).getEnv()).extracting(V1EnvVar::getName).as(component)
                    .doesNotContain(CLIENT_AUTH, "SPRING_GRPC_SERVER_SSL_ENABLED");
        }
    }
}
