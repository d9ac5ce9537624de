package dev.specula.drafter.engine;

/**
 * Where a generation's verifier session goes, as the router decided.
 *
 * @param tenant           KV namespace set by the router; the verifier salts its cache keys with it
 * @param verifierEndpoint host:port of the verifier replica the router chose; empty = the configured channel
 */
public record SessionRoute(String tenant, String verifierEndpoint) {

    public SessionRoute {
        tenant = tenant == null ? "" : tenant;
        verifierEndpoint = verifierEndpoint == null ? "" : verifierEndpoint;
    }

    /** The configured verifier channel, for {@code tenant}. */
    public static SessionRoute of(String tenant) {
        return new SessionRoute(tenant, "");
    }
}
