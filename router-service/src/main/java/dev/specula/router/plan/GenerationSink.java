package dev.specula.router.plan;

/** Where a generation's output goes: a gRPC stream, an HTTP response, a test. */
public interface GenerationSink {

    /** @return false when the client went away (stop generating) */
    boolean chunk(Chunk chunk);

    void complete(Completion completion);
}
