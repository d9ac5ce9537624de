package dev.specula.router.backend;

import dev.specula.router.discovery.DiscoveryProperties;
import dev.specula.router.discovery.EndpointSource;
import dev.specula.router.discovery.KubernetesEndpoints;
import dev.specula.router.discovery.StaticEndpoints;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ManagedChannel;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * The router's drafter and verifier pools, kept current by discovery and checked by health probes.
 * Static mode with an empty list uses the gRPC client channel of the role's name (one endpoint, its address
 * not passed on to drafters); a static list or Kubernetes discovery gives one channel per endpoint.
 */
public final class BackendPools implements AutoCloseable {
    private static final Path SERVICE_ACCOUNT_NAMESPACE =
            Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private final BackendPool drafters;
    private final BackendPool verifiers;
    private final List<EndpointSource> sources;
    private final HealthProber prober;

    public BackendPools(BackendPool drafters, BackendPool verifiers, List<EndpointSource> sources,
                        DiscoveryProperties discovery) {
        this.drafters = drafters;
        this.verifiers = verifiers;
        this.sources = List.copyOf(sources);
        this.prober = new HealthProber(List.of(drafters, verifiers), discovery.probeInterval(),
                discovery.probeTimeout());
    }

    public static BackendPools create(DiscoveryProperties discovery, GrpcChannelFactory channels,
                                      CircuitBreakerRegistry breakers) {
        List<EndpointSource> sources = new ArrayList<>();
        BackendPool drafters;
        BackendPool verifiers;
        if (discovery.kubernetes()) {
            ApiClient client = inCluster();
            String namespace = discovery.namespace().isEmpty() ? podNamespace() : discovery.namespace();
            drafters = watched("drafter", new KubernetesEndpoints(client, namespace, discovery.drafterSelector(),
                    discovery.portName(), discovery.resync()), dialer(channels, discovery.drafterAuthority()), breakers,
                    sources);
            verifiers = watched("verifier", new KubernetesEndpoints(client, namespace, discovery.verifierSelector(),
                    discovery.portName(), discovery.resync()), dialer(channels, discovery.verifierAuthority()), breakers,
                    sources);
        } else {
            drafters = discovery.drafters().isEmpty()
                    ? BackendPool.ofChannel("drafter", channels.createChannel("drafter"), breakers)
                    : watched("drafter", StaticEndpoints.parse(discovery.drafters()),
                            dialer(channels, discovery.drafterAuthority()), breakers, sources);
            verifiers = discovery.verifiers().isEmpty()
                    ? BackendPool.ofChannel("verifier", channels.createChannel("verifier"), breakers)
                    : watched("verifier", StaticEndpoints.parse(discovery.verifiers()),
                            dialer(channels, discovery.verifierAuthority()), breakers, sources);
        }
        return new BackendPools(drafters, verifiers, sources, discovery);
    }

    private static BackendPool watched(String role, EndpointSource source, Function<String, ManagedChannel> dial,
                                       CircuitBreakerRegistry breakers, List<EndpointSource> sources) {
        BackendPool pool = new BackendPool(role, dial, breakers);
        source.start(pool::update);
        sources.add(source);
        return pool;
    }

    /**
     * Dials host:port with the factory's settings for unnamed channels ({@code spring.grpc.client.channel.default.*},
     * TLS included). Pod addresses are not in the mesh certificate, so over TLS the certificate is checked against
     * {@code authority} (the role's Service name) when one is set.
     */
    private static Function<String, ManagedChannel> dialer(GrpcChannelFactory channels, String authority) {
        if (authority.isEmpty()) {
            return channels::createChannel;
        }
        ChannelBuilderOptions options = ChannelBuilderOptions.defaults()
                .withCustomizer((target, builder) -> builder.overrideAuthority(authority));
        return address -> channels.createChannel(address, options);
    }

    /** The in-cluster client (service account token and CA), with no read timeout so watches can idle. */
    private static ApiClient inCluster() {
        try {
            ApiClient client = ClientBuilder.cluster().build();
            client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(java.time.Duration.ZERO).build());
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("specula.router.discovery.mode=kubernetes needs the pod's service account "
                    + "(token, CA) and KUBERNETES_SERVICE_HOST", e);
        }
    }

    private static String podNamespace() {
        try {
            return Files.readString(SERVICE_ACCOUNT_NAMESPACE, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("specula.router.discovery.namespace is empty and the pod's namespace "
                    + "file is missing", e);
        }
    }

    public BackendPool drafters() {
        return drafters;
    }

    public BackendPool verifiers() {
        return verifiers;
    }

    @Override
    public void close() {
        prober.close();
        sources.forEach(EndpointSource::close);
        drafters.close();
        verifiers.close();
    }
}
