package dev.specula.runtime.engine;

/**
 * One exported block on its way to the store.
 *
 * @param key     chain key
 * @param payload the block in {@code KvBlockLayout} format (never modified after export)
 * @param tokens  tokens it holds (the block size)
 */
public record StoredBlock(Hash256 key, byte[] payload, int tokens) {
}
