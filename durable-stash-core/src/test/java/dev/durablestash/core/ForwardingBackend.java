package dev.durablestash.core;

import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;

/**
 * A backend that passes every get, put and delete to {@code delegate}: the tests' backends that change
 * one of those calls extend it and override that one.
 */
abstract class ForwardingBackend implements StorageBackend {

    final StorageBackend delegate;

    ForwardingBackend(StorageBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        return delegate.get(key, ifNoneMatch);
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
