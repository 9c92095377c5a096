package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;

/**
 * A store whose calls the test holds and releases by hand. A held call has not happened yet: it
 * reaches the delegate only when the test {@link Held#release() releases} it (so a release long
 * after the caller gave up is a late answer of a call that applies late), or never. Unheld calls go
 * straight through.
 */
final class HeldBackend implements StorageBackend {

    /** A call the test holds. */
    record Held(Operation operation, String key, Runnable release) {
    }

    private final StorageBackend delegate;
    private final Set<Operation> holding = ConcurrentHashMap.newKeySet();
    private volatile Predicate<String> keys = key -> true;
    private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();

    HeldBackend(StorageBackend delegate) {
        this.delegate = delegate;
    }

    /** Holds every later call of these operations (on the keys {@link #onlyKey} allows). */
    void hold(Operation... operations) {
        holding.addAll(Set.of(operations));
    }

    void onlyKey(String key) {
        keys = key::equals;
    }

    /** Later calls go straight through; calls held already stay held. */
    void stopHolding() {
        holding.clear();
    }

    /** @return the next held call, waiting up to 10 s for it */
    Held next() throws InterruptedException {
        Held call = held.poll(10, TimeUnit.SECONDS);
        assertThat(call).as("a held storage call").isNotNull();
        return call;
    }

    /** @return the held calls not yet taken by {@link #next()} */
    int waiting() {
        return held.size();
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        return maybeHold(Operation.GET, key, () -> delegate.get(key, ifNoneMatch));
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        byte[] copy = body.clone();
        return maybeHold(Operation.PUT, key, () -> delegate.put(key, copy, precondition));
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        return maybeHold(Operation.DELETE, key, () -> delegate.delete(key, ifMatch));
    }

    private <T> CompletionStage<T> maybeHold(Operation operation, String key, Supplier<CompletionStage<T>> call) {
        if (!holding.contains(operation) || !keys.test(key)) {
            return call.get();
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        held.add(new Held(operation, key, () -> call.get().whenComplete((value, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(value);
            }
        })));
        return answer;
    }
}
