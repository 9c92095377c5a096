package dev.durablestash.sample.counter;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition (every 10 ms) until it holds, for the process tests. */
final class Await {

    private Await() {
    }

    /**
     * @param condition what to wait for
     * @param timeout how long at most
     * @param what the condition in words, for the failure message
     * @throws AssertionError if it does not hold in time
     */
    static void until(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
