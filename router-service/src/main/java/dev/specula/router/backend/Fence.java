package dev.specula.router.backend;

import java.util.UUID;

/**
 * The fencing token of one generation (RELIABILITY.md #24): an id the router assigns and the placement epoch, 1 on
 * the first backend and one more on every failover/resume. It goes with every backend request (proto
 * {@code GenerationFence}); verifiers send it with their KV offload writes, and the KV store refuses writes of an
 * older epoch than the newest it has seen, so a replica that was paused while the generation moved on cannot write
 * once it wakes up.
 */
public record Fence(String generationId, long epoch) {

    public Fence {
        if (generationId == null || generationId.isEmpty()) {
            throw new IllegalArgumentException("generationId must not be empty");
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, got " + epoch);
        }
    }

    /** A new generation, on its first placement. */
    public static Fence first() {
        return new Fence(UUID.randomUUID().toString(), 1);
    }

    /** The same generation placed again (failover or resume): every earlier placement is superseded. */
    public Fence next() {
        return new Fence(generationId, epoch + 1);
    }

    dev.specula.proto.v1.GenerationFence toProto() {
        return dev.specula.proto.v1.GenerationFence.newBuilder().setGenerationId(generationId).setEpoch(epoch).build();
    }
}
