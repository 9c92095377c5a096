package dev.durablestash.testing;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;

/** Runs the backend contract suite against {@link InMemoryStorageBackend} without latency. */
class InMemoryStorageBackendContractTests extends StorageBackendContractTests {

    @Override
    protected StorageBackend createBackend() {
        return new InMemoryStorageBackend();
    }
}
