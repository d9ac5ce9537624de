package dev.specula.netem;

import java.util.concurrent.locks.LockSupport;

/** Waiting on System.nanoTime deadlines. */
final class Deadlines {

    private Deadlines() {
    }

    /**
     * Parks until the deadline has passed. parkNanos may return early (spurious wake-ups), so it loops: a delay line
     * must never deliver early, since tests and benchmarks rely on the delay as a lower bound.
     */
    static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long remaining;
        while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(remaining);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
