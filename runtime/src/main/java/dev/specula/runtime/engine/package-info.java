/**
 * The verifier's serving engine without Spring: a scheduler thread that batches the forwards of many sessions
 * into one model call (continuous batching), a KV memory budget with admission and idle eviction, prefix
 * caching by block hash chain, and offload/restore of KV blocks through a {@link dev.specula.runtime.engine.BlockStore}
 * (the KV store service in production, an in-memory fake in tests).
 *
 * <p>Correctness rule of every piece here: KV reuse may only ever skip work, never change a result. A block is
 * imported only when its full 256-bit chain key, its layout header and its size all match; any doubt is a miss
 * and the tokens are recomputed.
 */
package dev.specula.runtime.engine;
