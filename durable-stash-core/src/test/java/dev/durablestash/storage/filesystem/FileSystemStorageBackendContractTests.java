package dev.durablestash.storage.filesystem;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;

/**
 * Runs the backend contract suite against {@link FileSystemStorageBackend} in a fresh directory,
 * plus the races again with two instances sharing that directory.
 */
class FileSystemStorageBackendContractTests extends StorageBackendContractTests {

    @TempDir
    Path directory;

    @Override
    protected StorageBackend createBackend() {
        return new FileSystemStorageBackend(directory);
    }

    @Test
    void aCreateRaceOverTwoInstancesOnOneDirectoryHasExactlyOneWinner() throws Exception {
        try (FileSystemStorageBackend second = new FileSystemStorageBackend(directory)) {
            runCreateRaces(List.of(backend, second), 8, 10);
        }
    }

    @Test
    void aCompareAndSwapCounterOverTwoInstancesOnOneDirectoryLosesNoIncrement() throws Exception {
        try (FileSystemStorageBackend second = new FileSystemStorageBackend(directory)) {
            runCounter(List.of(backend, second), 8, 25);
        }
    }
}
