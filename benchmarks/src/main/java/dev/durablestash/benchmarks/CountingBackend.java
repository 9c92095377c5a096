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
        lastPutSent = System.nanoTime();
        return delegate.put(key, body, precondition).whenComplete((result, error) -> lastPutAnswered = System.nanoTime());
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
