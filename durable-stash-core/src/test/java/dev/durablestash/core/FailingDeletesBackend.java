package dev.durablestash.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;

/** Fails every delete of one key while {@link #failing} names it; passes everything else on. */
final class FailingDeletesBackend extends ForwardingBackend {

    /** The key whose deletes fail, or {@code null} for none. */
    volatile @Nullable String failing;

    FailingDeletesBackend(StorageBackend delegate) {
        super(delegate);
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        if (key.equals(failing)) {
            return CompletableFuture.failedFuture(new StorageException("injected: DELETE " + key + " failed"));
        }
        return delegate.delete(key, ifMatch);
    }
}
