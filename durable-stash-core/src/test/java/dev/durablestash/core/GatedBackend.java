package dev.durablestash.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;

/**
 * Another app instance's view of a shared store whose GET answers the test holds back: the read
 * happens when it is called, the answer arrives when the test {@link #open() opens} the gate.
 */
final class GatedBackend implements StorageBackend {

    private final StorageBackend delegate;
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    volatile boolean gateGets = true;

    GatedBackend(StorageBackend delegate) {
        this.delegate = delegate;
    }

    void open() {
        gate.complete(null);
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        CompletionStage<GetResult> read = delegate.get(key, ifNoneMatch);
        return gateGets ? read.thenCombine(gate, (result, ignored) -> result) : read;
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        return delegate.put(key, body, precondition);
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        return delegate.delete(key, ifMatch);
    }
}
