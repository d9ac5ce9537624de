package dev.specula.core.verify;

import dev.specula.core.sampling.SparseDistribution;

/**
 * Probability lookup by token id in a sparse distribution. {@link SparseDistribution#probOf} scans the support,
 * which is fine for a few tokens but quadratic when a residual walks a full-vocabulary target against a
 * full-vocabulary draft; large supports get an open-addressing hash table instead.
 */
final class SupportIndex {
    private static final int LINEAR_LIMIT = 32;

    private final SparseDistribution distribution;
    /** token id + 1 per slot; 0 marks an empty slot. Null when the support is small enough to scan. */
    private final int[] keys;
    private final float[] values;
    private final int mask;

    SupportIndex(SparseDistribution distribution) {
        this.distribution = distribution;
        int size = distribution.size();
        if (size <= LINEAR_LIMIT) {
            keys = null;
            values = null;
            mask = 0;
            return;
        }
        int capacity = Integer.highestOneBit(size * 2 - 1) << 1; // power of two, load factor <= 1/2
        keys = new int[capacity];
        values = new float[capacity];
        mask = capacity - 1;
        for (int i = 0; i < size; i++) {
            int slot = slotOf(distribution.token(i));
            while (keys[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = distribution.token(i) + 1;
            values[slot] = distribution.prob(i);
        }
    }

    /** Probability of {@code token}; 0 outside the support. */
    float probOf(int token) {
        if (keys == null) {
            return distribution.probOf(token);
        }
        for (int slot = slotOf(token); keys[slot] != 0; slot = (slot + 1) & mask) {
            if (keys[slot] == token + 1) {
                return values[slot];
            }
        }
        return 0f;
    }

    private int slotOf(int token) {
        return (token * 0x9E3779B9) >>> 7 & mask;
    }
}
