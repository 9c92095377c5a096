package dev.durablestash.benchmarks;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;

/**
 * Counts the requests the engine sends to a backend and keeps the body of the last PUT, so a
 * benchmark can send the same bytes raw. Thread-safe.
 */
public final class CountingBackend implements StorageBackend {

    private final StorageBackend delegate;
    private final AtomicLong gets = new AtomicLong();
    private final AtomicLong puts = new AtomicLong();
    private final AtomicReference<byte[]> lastPutBody = new AtomicReference<>(new byte[0]);
    private volatile long lastPutSent;
    private volatile long lastPutAnswered;
    /** While set ({@link #timePuts}): each PUT's time in the delegate, and from the answer before it to it. */
    private volatile @Nullable PutTimes putTimes;

    /** @param delegate the backend that answers */
    public CountingBackend(StorageBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        gets.incrementAndGet();
        return delegate.get(key, ifNoneMatch);
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        puts.incrementAndGet();
        lastPutBody.set(body);
        long sent = System.nanoTime();
        PutTimes times = putTimes;
        if (times != null) {
            times.sent(lastPutAnswered, sent);
        }
        lastPutSent = sent;
        return delegate.put(key, body, precondition).whenComplete((result, error) -> {
            long answered = System.nanoTime();
            lastPutAnswered = answered;
            if (times != null) {
                times.answered(answered - sent);
            }
        });
    }

    /**
     * Starts timing the PUTs (a new record each call), for a load whose PUTs go one after another (one
     * session): each PUT's time in the delegate, and the time from the answer of the PUT before it to it.
     * The first PUT's time from an answer that came before the timing started is not recorded.
     *
     * @return the record, filled in as PUTs are sent and answered
     */
    public PutTimes timePuts() {
        return timePuts(new PutTimes());
    }

    /**
     * Times the PUTs into {@code record} again, after a pause of the load (other work done meanwhile, with
     * the timing stopped or not): as when a record starts, the time from an answer that came before now is
     * not recorded, so the pause does not count as a gap between PUTs.
     *
     * @param record a record of {@link #timePuts()}
     * @return {@code record}
     */
    public PutTimes timePuts(PutTimes record) {
        record.startsNow();
        putTimes = record;
        return record;
    }

    /** Stops timing the PUTs. */
    public void stopTimingPuts() {
        putTimes = null;
    }

    /** The times of PUTs sent one after another. Thread-safe. */
    public static final class PutTimes {

        private final Latencies inDelegate = new Latencies();
        private final Latencies sinceAnswerBefore = new Latencies();
        /** Answers before this are not counted as the answer before a PUT: the timing (re)started after them. */
        private long countsAnswersFrom;

        private synchronized void startsNow() {
            countsAnswersFrom = System.nanoTime();
        }

        private synchronized void sent(long answerBefore, long sent) {
            // nanoTime values compared by their difference: their origin is arbitrary.
            if (answerBefore != 0 && answerBefore - countsAnswersFrom >= 0 && sent - answerBefore > 0) {
                sinceAnswerBefore.add(sent - answerBefore);
            }
        }

        private synchronized void answered(long nanos) {
            inDelegate.add(nanos);
        }

        synchronized int putsAnswered() {
            return inDelegate.size();
        }

        synchronized int gapsRecorded() {
            return sinceAnswerBefore.size();
        }

        /** @return the p50 of the PUTs' time in the delegate, in milliseconds */
        public synchronized double inDelegateP50Millis() {
            return inDelegate.percentileMillis(0.5);
        }

        /** @return the p50 of the time from a PUT's answer to the next PUT, in milliseconds */
        public synchronized double sinceAnswerBeforeP50Millis() {
            return sinceAnswerBefore.percentileMillis(0.5);
        }
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        return delegate.delete(key, ifMatch);
    }

    @Override
    public boolean isEphemeral() {
        return delegate.isEphemeral();
    }

    /** @return GETs sent so far */
    public long gets() {
        return gets.get();
    }

    /** @return PUTs sent so far */
    public long puts() {
        return puts.get();
    }

    /** @return {@link System#nanoTime()} when the last PUT was handed to the backend */
    public long lastPutSent() {
        return lastPutSent;
    }

    /**
     * @return {@link System#nanoTime()} when the backend answered the last PUT (before the engine's own
     *     continuations of that answer ran)
     */
    public long lastPutAnswered() {
        return lastPutAnswered;
    }

    /** @return the body of the last PUT (not a copy: do not change it) */
    public byte[] lastPutBody() {
        return lastPutBody.get();
    }
}
