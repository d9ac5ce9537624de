package dev.specula.router.discovery;

/**
 * One ready backend replica.
 *
 * @param address host:port of its gRPC server
 * @param zone    its topology zone (Kubernetes {@code topology.kubernetes.io/zone}); empty when unknown
 */
public record Endpoint(String address, String zone) {

    public Endpoint {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("endpoint address must be host:port");
        }
        zone = zone == null ? "" : zone;
    }
}
