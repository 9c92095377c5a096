package dev.durablestash.benchmarks;

import java.util.Arrays;

/** A growable array of latencies in nanoseconds, with percentiles. Not thread-safe: one per thread, then merged. */
public final class Latencies {

    private long[] values = new long[1024];
    private int size;

    /** @param nanos one latency */
    public void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    /** @param other latencies to add to these */
    public void addAll(Latencies other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    /** @return how many latencies were added */
    public int size() {
        return size;
    }

    /**
     * @param fraction e.g. 0.5 or 0.99
     * @return the latency at that rank, in milliseconds (nearest rank)
     */
    public double percentileMillis(double fraction) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(fraction * size) - 1;
        return sorted[Math.max(0, Math.min(size - 1, rank))] / 1e6;
    }
}
