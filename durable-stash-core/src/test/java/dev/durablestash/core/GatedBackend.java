package dev.durablestash.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.StorageBackend;

/**
 * Another app instance's view of a shared store whose GET answers the test holds back: the read
 * happens when it is called, the answer arrives when the test {@link #open() opens} the gate.
 */
final class GatedBackend extends ForwardingBackend {

    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    volatile boolean gateGets = true;

    GatedBackend(StorageBackend delegate) {
        super(delegate);
    }

    void open() {
        gate.complete(null);
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        CompletionStage<GetResult> read = delegate.get(key, ifNoneMatch);
        return gateGets ? read.thenCombine(gate, (result, ignored) -> result) : read;
    }
}
