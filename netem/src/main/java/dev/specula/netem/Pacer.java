package dev.specula.netem;

/**
 * Bandwidth cap for one direction as a virtual clock: each slice of bytes reserves bytes/rate seconds of link time
 * after the previous one. An idle link does not bank credit beyond the current slice, so a burst after a pause is
 * at most one slice (about {@link #SLICE_SECONDS}) long, like a real link and unlike a large token bucket.
 */
final class Pacer {

    /** Slice length in link time: short enough to pace smoothly, long enough not to wake the writer per packet. */
    static final double SLICE_SECONDS = 0.02;
    private static final int MIN_SLICE_BYTES = 1024;

    private long nextFreeNanos = System.nanoTime();

    /** How many bytes to write at once at this rate; unlimited rates write whole chunks. */
    static int sliceBytes(long bytesPerSecond, int available) {
        if (bytesPerSecond <= 0) {
            return available;
        }
        long slice = Math.max(MIN_SLICE_BYTES, (long) (bytesPerSecond * SLICE_SECONDS));
        return (int) Math.min(available, slice);
    }

    /** Waits until the link is free, then reserves it for {@code bytes} at the given rate (0 = no wait). */
    void acquire(int bytes, long bytesPerSecond) throws InterruptedException {
        long now = System.nanoTime();
        if (bytesPerSecond <= 0) {
            nextFreeNanos = now;
            return;
        }
        long start = Math.max(now, nextFreeNanos);
        Deadlines.sleepUntil(start);
        nextFreeNanos = start + (long) (bytes * 1e9 / bytesPerSecond);
    }
}
