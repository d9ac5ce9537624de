package dev.specula.core.loop;

/** The baseline policy: always draft k tokens. */
public record FixedDraftLength(int k) implements DraftLengthPolicy {

    public FixedDraftLength {
        if (k < 0) {
            throw new IllegalArgumentException("draft length must be >= 0, got " + k);
        }
    }

    @Override
    public int nextLength(LoopStats stats) {
        return k;
    }
}
