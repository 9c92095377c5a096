package dev.durablestash.core;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;

/** Runs the backend contract suite against the engine tests' {@link MapStorageBackend}. */
class MapStorageBackendContractTests extends StorageBackendContractTests {

    @Override
    protected StorageBackend createBackend() {
        return new MapStorageBackend();
    }
}
