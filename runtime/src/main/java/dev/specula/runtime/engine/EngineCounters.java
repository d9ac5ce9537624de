package dev.specula.runtime.engine;

import java.util.concurrent.atomic.LongAdder;

/** Monotonic counters of the engine, read by the service's metrics (the runtime has no metrics library). */
public final class EngineCounters {
    final LongAdder prefixQueryTokens = new LongAdder();
    final LongAdder prefixHitTokens = new LongAdder();
    final LongAdder restoredTokens = new LongAdder();
    final LongAdder offloadBytes = new LongAdder();
    final LongAdder offloadBlocks = new LongAdder();
    final LongAdder offloadDroppedBlocks = new LongAdder();
    final LongAdder offloadFencedBlocks = new LongAdder();
    final LongAdder storeFallbacks = new LongAdder();
    final LongAdder rejectedBlocks = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder admissionRejections = new LongAdder();

    /** Prompt tokens that could have come from a cache (full blocks of the usable prefix). */
    public long prefixQueryTokens() {
        return prefixQueryTokens.sum();
    }

    /** Tokens imported from the verifier's own prefix cache. */
    public long prefixHitTokens() {
        return prefixHitTokens.sum();
    }

    /** Tokens imported from the KV store. */
    public long restoredTokens() {
        return restoredTokens.sum();
    }

    /** Bytes of blocks the store accepted. */
    public long offloadBytes() {
        return offloadBytes.sum();
    }

    public long offloadBlocks() {
        return offloadBlocks.sum();
    }

    /** Blocks not offloaded because too many bytes were already in flight, or the store failed. */
    public long offloadDroppedBlocks() {
        return offloadDroppedBlocks.sum();
    }

    /**
     * Blocks of offloads the store refused because their generation had moved to a newer epoch (another replica);
     * also counted in {@link #offloadDroppedBlocks()}.
     */
    public long offloadFencedBlocks() {
        return offloadFencedBlocks.sum();
    }

    /** Store calls that failed, timed out or were skipped by the open circuit breaker: recomputed instead. */
    public long storeFallbacks() {
        return storeFallbacks.sum();
    }

    /** Blocks from a cache or the store refused by their layout check (never imported). */
    public long rejectedBlocks() {
        return rejectedBlocks.sum();
    }

    /** Idle sessions whose KV was freed (offloaded first), vLLM's preemptions. */
    public long evictions() {
        return evictions.sum();
    }

    /** Sessions refused for lack of KV memory after the admission wait. */
    public long admissionRejections() {
        return admissionRejections.sum();
    }
}
