package dev.specula.verifier.grpc;

/** A verifier stream (a session or a Generate) that {@link SessionShutdown} ends when the verifier stops. */
interface OpenStream {

    /**
     * Ends the stream with UNAVAILABLE {@code description} (its client may resume on another verifier) once its
     * KV is freed (offloaded first when a store is configured). May return before the stream has ended.
     */
    void endForShutdown(String description);
}
