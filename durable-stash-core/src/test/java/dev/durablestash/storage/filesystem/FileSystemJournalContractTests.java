package dev.durablestash.storage.filesystem;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;

/**
 * Runs the backend contract suite against a {@link FileSystemStorageBackend} with a journal whose
 * segments are small (a few records each), so that the suite's races also run across segment
 * changes and checkpoints.
 */
class FileSystemJournalContractTests extends StorageBackendContractTests {

    @TempDir
    Path directory;

    @Override
    protected StorageBackend createBackend() {
        return FileSystemJournalTests.journaled(directory, 1024);
    }
}
