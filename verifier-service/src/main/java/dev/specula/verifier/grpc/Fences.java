package dev.specula.verifier.grpc;

import dev.specula.proto.v1.GenerationFence;
import dev.specula.runtime.engine.WriteFence;
import dev.specula.service.error.InvalidRequestException;

/** The router's fencing token as the engine takes it (RELIABILITY.md #24). */
final class Fences {
    /** Longer ids are refused: the store keeps one per generation in memory. */
    static final int MAX_ID_LENGTH = 64;

    private Fences() {
    }

    /** Unset on the wire (no generation id) = {@link WriteFence#NONE}. */
    static WriteFence of(GenerationFence fence) {
        String id = fence.getGenerationId();
        if (id.isEmpty()) {
            return WriteFence.NONE;
        }
        if (id.length() > MAX_ID_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("fence.generation_id must be 1.." + MAX_ID_LENGTH
                    + " characters without control characters");
        }
        if (fence.getEpoch() < 1) {
            throw new InvalidRequestException("fence.epoch must be at least 1, got " + fence.getEpoch());
        }
        return new WriteFence(id, fence.getEpoch());
    }
}
