package dev.durablestash.core;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;

/**
 * A backend that lets each call take a random 0–2 ms, drawn from a seeded {@link Random}, for
 * tests that check random interleavings against a sequential model.
 */
final class RandomlySlowBackend implements StorageBackend {

    private final StorageBackend delegate;
    private final ScheduledExecutorService delays;
    private final Random random;
    private final boolean delayCalls;

    private RandomlySlowBackend(StorageBackend delegate, ScheduledExecutorService delays, Random random,
            boolean delayCalls) {
        this.delegate = delegate;
        this.delays = delays;
        this.random = random;
        this.delayCalls = delayCalls;
    }

    /** Each call reaches the store at once; its answer comes back late, so writes overlap arriving operations. */
    static RandomlySlowBackend delayingAnswers(StorageBackend delegate, ScheduledExecutorService delays, Random random) {
        return new RandomlySlowBackend(delegate, delays, random, false);
    }

    /** Each call reaches the store late, so the calls of several instances reorder. */
    static RandomlySlowBackend delayingCalls(StorageBackend delegate, ScheduledExecutorService delays, Random random) {
        return new RandomlySlowBackend(delegate, delays, random, true);
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        return later(() -> delegate.get(key, ifNoneMatch));
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        byte[] copy = body.clone();
        return later(() -> delegate.put(key, copy, precondition));
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        return later(() -> delegate.delete(key, ifMatch));
    }

    private <T> CompletionStage<T> later(Supplier<CompletionStage<T>> call) {
        long micros;
        synchronized (random) {
            micros = random.nextInt(2000);
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        Runnable callAndRelay = () -> call.get().whenComplete((value, error) -> relay(answer, value, error));
        if (delayCalls) {
            delays.schedule(callAndRelay, micros, TimeUnit.MICROSECONDS);
        } else {
            call.get().whenComplete((value, error) ->
                    delays.schedule(() -> relay(answer, value, error), micros, TimeUnit.MICROSECONDS));
        }
        return answer;
    }

    private static <T> void relay(CompletableFuture<T> answer, @Nullable T value, @Nullable Throwable error) {
        if (error != null) {
            answer.completeExceptionally(error);
        } else {
            answer.complete(value);
        }
    }
}
