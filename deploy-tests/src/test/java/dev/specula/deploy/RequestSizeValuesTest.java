package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import org.junit.jupiter.api.Test;

/**
 * The router's public doors take requests up to one size, HTTP body and gRPC message alike (RELIABILITY.md #17,
 * B5), while the internal servers keep the channels' larger limit (logits and KV blocks exceed 4 MiB).
 */
class RequestSizeValuesTest {
    private static final String GRPC_LIMIT = "SPRING_GRPC_SERVER_INBOUND_MESSAGE_MAX_SIZE";

    @Test
    void bothPublicDoorsShareTheRequestLimitAndInternalServersKeepTheChannelLimit() {
        Manifests defaults = Chart.render(null);
        V1Container router = defaults.container("router");
        assertThat(Manifests.env(router, GRPC_LIMIT)).isEqualTo("2MB");
        assertThat(Manifests.env(router, "SPECULA_ROUTER_HTTP_MAX_BODY_SIZE")).isEqualTo("2MB");
        for (String internal : new String[] {"drafter", "verifier", "kv-store"}) {
            assertThat(Manifests.env(defaults.container(internal), GRPC_LIMIT)).as(internal).isEqualTo("16MB");
        }

        Manifests moved = Chart.render(null, "router.config.maxRequestSize=512KB");
        assertThat(Manifests.env(moved.container("router"), GRPC_LIMIT)).isEqualTo("512KB");
        assertThat(Manifests.env(moved.container("router"), "SPECULA_ROUTER_HTTP_MAX_BODY_SIZE")).isEqualTo("512KB");
        assertThat(Manifests.env(moved.container("verifier"), GRPC_LIMIT)).isEqualTo("16MB");
    }
}
