package dev.specula.runtime.engine;

/**
 * The fencing token a session's KV offload writes carry: the generation the session serves and its placement epoch,
 * as the router assigned them. The store refuses writes of a generation older than the newest epoch it has seen,
 * so a replica that was paused while its generation moved elsewhere cannot write once it wakes up.
 *
 * @param generationId the router's id of the generation; empty = unfenced (the store checks nothing)
 * @param epoch        placement count, 1 on the first replica, +1 per failover
 */
public record WriteFence(String generationId, long epoch) {
    /** Sessions the router did not fence: their writes are never refused. */
    public static final WriteFence NONE = new WriteFence("", 0);

    public WriteFence {
        generationId = generationId == null ? "" : generationId;
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
        }
    }

    public boolean fenced() {
        return !generationId.isEmpty();
    }
}
