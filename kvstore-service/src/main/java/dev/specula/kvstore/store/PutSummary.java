package dev.specula.kvstore.store;

/** Outcome of storing a batch: {@code stored} new blocks, {@code existing} ones already present and left alone. */
public record PutSummary(int stored, int existing) {
}
