package dev.specula.drafter.engine;

/**
 * Where a generation's verifier session goes, as the router decided.
 *
 * @param tenant           KV namespace set by the router; the verifier salts its cache keys with it
 * @param verifierEndpoint host:port of the verifier replica the router chose; empty = the configured channel
 * @param generationId     the router's fencing token of the generation, passed on to the verifier session; empty =
 *                         unfenced (RELIABILITY.md #24)
 * @param epoch            the placement epoch of that token
 */
public record SessionRoute(String tenant, String verifierEndpoint, String generationId, long epoch) {

    public SessionRoute {
        tenant = tenant == null ? "" : tenant;
        verifierEndpoint = verifierEndpoint == null ? "" : verifierEndpoint;
        generationId = generationId == null ? "" : generationId;
    }

    /** An unfenced route. */
    public SessionRoute(String tenant, String verifierEndpoint) {
        this(tenant, verifierEndpoint, "", 0);
    }

    /** The configured verifier channel, for {@code tenant}. */
    public static SessionRoute of(String tenant) {
        return new SessionRoute(tenant, "");
    }
}
