package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;

/**
 * A journaled delete of a key whose directory does not exist: its checkpoint has no directory to force,
 * and must not fail because of it.
 */
class JournalAbsentDirectoryTests {

    @TempDir
    Path root;

    /**
     * Deleting an absent object succeeds (StorageBackend contract), and with a journal it is journaled
     * all the same, also when the key's directory was never created. The checkpoint of its segment must
     * drop it: one that failed for ever would keep every later segment on disk and the health check
     * would report the backend broken.
     */
    @Test
    void deletingAnAbsentKeyInADirectoryThatDoesNotExistDoesNotPoisonTheJournal() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null,
                Executors.newFixedThreadPool(4), 64)) {
            assertThat(await(backend.delete("never/created", null))).isTrue();
            assertThat(root.resolve("never")).doesNotExist();
            // Writes past the tiny segment limit: their segments are sealed and must be checkpointed.
            for (int i = 0; i < 10; i++) {
                await(backend.put("k" + i, new byte[100], Precondition.absent()));
            }
            long segments = FileSystemJournalTests.segmentsOnceAtMostOne(root, TimeUnit.SECONDS.toNanos(10)).size();
            Throwable health = null;
            try {
                await(backend.check("durable-stash/health-check"));
            } catch (Exception e) {
                health = e;
            }
            assertThat(health).as("health check after deleting an absent key").isNull();
            assertThat(segments).as("journal segments still on disk").isLessThanOrEqualTo(2);
        }
    }
}
