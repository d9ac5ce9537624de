package dev.specula.router.backend;

/**
 * A replica's own report of its load (verifiers answer {@code Verifier/Load} with each health check).
 *
 * @param waitingSessions sessions queued for KV memory: the replica is full
 * @param queueDepth      forward requests waiting for a batch
 * @param kvUtilisation   reserved KV bytes over the KV budget, 0..1
 */
public record ReplicaLoad(int waitingSessions, int queueDepth, double kvUtilisation) {

    /** Not reported (drafters, or a verifier that has not answered yet). */
    public static final ReplicaLoad UNKNOWN = new ReplicaLoad(0, 0, 0);

    /** KV reservations above this share count as full: a new session would likely wait for memory. */
    static final double FULL_KV = 0.9;

    /** Sessions already wait for memory there, or its KV budget is nearly all reserved. */
    public boolean saturated() {
        return waitingSessions > 0 || kvUtilisation >= FULL_KV;
    }
}
