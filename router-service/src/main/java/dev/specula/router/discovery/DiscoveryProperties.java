package dev.specula.router.discovery;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the router finds drafters and verifiers ({@code specula.router.discovery.*}).
 *
 * @param mode                {@code static}: the {@code drafters} / {@code verifiers} lists, or, when a list is
 *                            empty, the gRPC client channel of that name (one endpoint); {@code kubernetes}:
 *                            EndpointSlices in {@code namespace} matching the selectors, ready endpoints only
 * @param drafters            static drafter endpoints, host:port with an optional {@code @zone}
 * @param verifiers           static verifier endpoints, host:port with an optional {@code @zone}
 * @param namespace           namespace to watch; empty = the pod's own (from the service account mount)
 * @param drafterSelector     label selector of the drafters' EndpointSlices
 * @param verifierSelector    label selector of the verifiers' EndpointSlices
 * @param portName            EndpointSlice port carrying gRPC
 * @param resync              informer resync period
 * @param zone                this router's zone: drafters in it are preferred
 * @param probeInterval       gRPC health check period per endpoint (an endpoint that fails it takes no new work)
 * @param probeTimeout        deadline of one health check
 * @param affinityMaxInFlight a conversation goes to the verifier that holds its prefix unless that verifier
 *                            already runs this many of the router's requests; then the least loaded one
 * @param drafterAuthority    over TLS, the name the drafters' certificate is checked against when the router dials
 *                            a discovered or listed endpoint (an address the certificate does not name): their
 *                            Service name, which the mesh certificate carries; empty = the endpoint's host
 * @param verifierAuthority   the same for the verifiers
 */
public record DiscoveryProperties(@DefaultValue("static") String mode, @DefaultValue List<String> drafters,
                                  @DefaultValue List<String> verifiers, @DefaultValue("") String namespace,
                                  @DefaultValue("app.kubernetes.io/component=drafter") String drafterSelector,
                                  @DefaultValue("app.kubernetes.io/component=verifier") String verifierSelector,
                                  @DefaultValue("grpc") String portName, @DefaultValue("5m") Duration resync,
                                  @DefaultValue("") String zone, @DefaultValue("2s") Duration probeInterval,
                                  @DefaultValue("1s") Duration probeTimeout,
                                  @DefaultValue("8") int affinityMaxInFlight,
                                  @DefaultValue("") String drafterAuthority,
                                  @DefaultValue("") String verifierAuthority) {

    public static final DiscoveryProperties DEFAULTS = new DiscoveryProperties("static", List.of(), List.of(), "",
            "app.kubernetes.io/component=drafter", "app.kubernetes.io/component=verifier", "grpc",
            Duration.ofMinutes(5), "", Duration.ofSeconds(2), Duration.ofSeconds(1), 8, "", "");

    public DiscoveryProperties {
        if (!mode.equals("static") && !mode.equals("kubernetes")) {
            throw new IllegalArgumentException("specula.router.discovery.mode must be static or kubernetes, got " + mode);
        }
        drafters = drafters == null ? List.of() : List.copyOf(drafters);
        verifiers = verifiers == null ? List.of() : List.copyOf(verifiers);
        drafterAuthority = drafterAuthority == null ? "" : drafterAuthority;
        verifierAuthority = verifierAuthority == null ? "" : verifierAuthority;
        if (probeInterval.isNegative() || probeInterval.isZero() || probeTimeout.isNegative()
                || probeTimeout.isZero() || affinityMaxInFlight < 1) {
            throw new IllegalArgumentException("specula.router.discovery: probe-interval and probe-timeout must be "
                    + "positive, affinity-max-in-flight >= 1");
        }
    }

    public boolean kubernetes() {
        return mode.equals("kubernetes");
    }
}
