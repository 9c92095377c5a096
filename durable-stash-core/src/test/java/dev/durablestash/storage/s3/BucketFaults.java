package dev.durablestash.storage.s3;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.gaul.s3proxy.blobstore.S3Exceptions;

/**
 * Fault switches and operation counters of one bucket of the test server. Thread-safe; tests set the
 * switches before they start their load and {@link #reset()} them afterwards.
 */
final class BucketFaults {

    final LongAdder puts = new LongAdder();
    final LongAdder gets = new LongAdder();
    final LongAdder deletes = new LongAdder();
    final LongAdder injectedBefore = new LongAdder();
    final LongAdder injectedAfter = new LongAdder();

    private final AtomicInteger failNextBefore = new AtomicInteger();
    private volatile double failBefore;
    private volatile double failAfterWrite;
    private volatile double failDeletes;
    private volatile long delayMillis;

    /**
     * @param fraction the fraction of operations (GET, PUT, DELETE) answered HTTP 500 without being
     *     applied
     * @return this
     */
    BucketFaults failBefore(double fraction) {
        this.failBefore = fraction;
        return this;
    }

    /**
     * @param count how many of the next operations (GET, PUT, DELETE) are answered HTTP 500 without
     *     being applied
     * @return this
     */
    BucketFaults failNextBefore(int count) {
        failNextBefore.set(count);
        return this;
    }

    /**
     * @param fraction the fraction of writes (PUT, DELETE) that are applied and then answered HTTP 500:
     *     the client cannot tell that the write happened
     * @return this
     */
    BucketFaults failAfterWrite(double fraction) {
        this.failAfterWrite = fraction;
        return this;
    }

    /**
     * @param fraction the fraction of DELETEs answered HTTP 500 without being applied
     * @return this
     */
    BucketFaults failDeletes(double fraction) {
        this.failDeletes = fraction;
        return this;
    }

    /**
     * @param delay how long every operation waits before it runs
     * @return this
     */
    BucketFaults delay(Duration delay) {
        this.delayMillis = delay.toMillis();
        return this;
    }

    /** Turns every fault off and zeroes the counters. */
    void reset() {
        failNextBefore.set(0);
        failBefore = 0;
        failAfterWrite = 0;
        failDeletes = 0;
        delayMillis = 0;
        puts.reset();
        gets.reset();
        deletes.reset();
        injectedBefore.reset();
        injectedAfter.reset();
    }

    void beforeOperation() {
        long delay = delayMillis;
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean next = failNextBefore.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        if (next || (failBefore > 0 && ThreadLocalRandom.current().nextDouble() < failBefore)) {
            injectedBefore.increment();
            throw S3Exceptions.fromStatusCode(500);
        }
    }

    void beforeDelete() {
        if (failDeletes > 0 && ThreadLocalRandom.current().nextDouble() < failDeletes) {
            injectedBefore.increment();
            throw S3Exceptions.fromStatusCode(500);
        }
    }

    void afterWrite() {
        if (failAfterWrite > 0 && ThreadLocalRandom.current().nextDouble() < failAfterWrite) {
            injectedAfter.increment();
            throw S3Exceptions.fromStatusCode(500);
        }
    }
}
