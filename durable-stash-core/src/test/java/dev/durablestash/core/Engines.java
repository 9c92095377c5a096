package dev.durablestash.core;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testsupport.Stages;

/** Shared set-up for the engine tests (waiting for stages: {@link Stages}). */
final class Engines {

    static final String SECRET = "engine-tests-secret-0123456789abcdef";
    static final Duration TIMEOUT = Stages.TIMEOUT;

    private Engines() {
    }

    static StashSettings.Builder settings() {
        return StashSettings.builder().secret(SECRET);
    }

    /** What a backend made by {@link #withPut} does on a put. */
    @FunctionalInterface
    interface Put {
        CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition);
    }

    /** @return a backend that reads and deletes through {@code backend} and puts with {@code put} */
    static StorageBackend withPut(StorageBackend backend, Put put) {
        return new ForwardingBackend(backend) {
            @Override
            public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
                return put.put(key, body, precondition);
            }
        };
    }
}
