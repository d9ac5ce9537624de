package dev.specula.launcher.bench;

import java.util.Arrays;

/** Latency samples in milliseconds, thread-safe to add to; percentiles by the nearest-rank method. */
final class LatencySamples {
    private double[] values = new double[1024];
    private int count;

    synchronized void add(double millis) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = millis;
    }

    synchronized int count() {
        return count;
    }

    /** @param p in (0, 100]; NaN without samples */
    synchronized double percentile(double p) {
        if (count == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))];
    }

    synchronized double median() {
        return percentile(50);
    }
}
