package dev.specula.core.loop;

import java.time.Duration;

/**
 * How long one round may wait for its draft, and how a drafter that keeps missing that deadline is backed off.
 * A round whose draft is late goes to the verifier without it (a plain k = 0 step), so a slow or wedged drafter
 * costs about the verifier's own speed and the output stays exactly what it would have been.
 *
 * @param deadlineNanos       the most a round waits for its draft; 0 turns the deadline off
 * @param missesBeforeBackoff consecutive misses after which drafting is skipped for a while
 * @param firstBackoffTokens  tokens committed without drafting after the first backoff; doubles with each probe
 *                            that misses again, and resets once a draft is in time
 * @param maxBackoffTokens    the longest backoff, in tokens
 */
public record DraftDeadline(long deadlineNanos, int missesBeforeBackoff, int firstBackoffTokens,
                            int maxBackoffTokens) {

    /** No deadline: the loop waits for every draft. */
    public static final DraftDeadline OFF = new DraftDeadline(0, 1, 1, 1);

    public DraftDeadline {
        if (deadlineNanos < 0 || missesBeforeBackoff < 1 || firstBackoffTokens < 1
                || maxBackoffTokens < firstBackoffTokens) {
            throw new IllegalArgumentException("draft deadline: need deadline >= 0, misses before backoff >= 1 and "
                    + "1 <= first backoff <= max backoff, got " + deadlineNanos + " ns, " + missesBeforeBackoff
                    + ", " + firstBackoffTokens + ", " + maxBackoffTokens);
        }
    }

    /** {@code deadline} with the default backoff (2 misses in a row, then 16 tokens doubling up to 512); 0 = off. */
    public static DraftDeadline of(Duration deadline) {
        return deadline.isZero() ? OFF : new DraftDeadline(deadline.toNanos(), 2, 16, 512);
    }

    public boolean enabled() {
        return deadlineNanos > 0;
    }

    /**
     * {@code source} held to this deadline, telling {@code listener} about misses; {@code source} itself when the
     * deadline is off. Close the returned source instead of {@code source}: it defers the close of a source still
     * busy with a draft the loop gave up on.
     */
    public DraftSource wrap(DraftSource source, DeadlineListener listener) {
        return enabled() ? new DeadlineDraftSource(source, this, listener, System::nanoTime) : source;
    }
}
