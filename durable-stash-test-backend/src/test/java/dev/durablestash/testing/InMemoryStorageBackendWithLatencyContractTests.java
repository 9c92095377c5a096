package dev.durablestash.testing;

import java.time.Duration;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;

/**
 * Runs the backend contract suite against {@link InMemoryStorageBackend} with a small latency, so
 * that every stage completes later on the timer thread instead of before the call returns.
 */
class InMemoryStorageBackendWithLatencyContractTests extends StorageBackendContractTests {

    @Override
    protected StorageBackend createBackend() {
        InMemoryStorageBackend backend = new InMemoryStorageBackend();
        backend.setLatency(Duration.ofMillis(1));
        return backend;
    }
}
