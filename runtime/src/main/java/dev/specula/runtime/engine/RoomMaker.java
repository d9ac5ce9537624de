package dev.specula.runtime.engine;

/** Frees KV memory on demand, e.g. by evicting idle sessions; called by {@link KvBudget} when a reservation does not fit. */
@FunctionalInterface
interface RoomMaker {
    RoomMaker NONE = bytes -> 0;

    /** @return bytes released (the releases themselves go through {@link KvBudget#release}) */
    long makeRoom(long bytes);
}
