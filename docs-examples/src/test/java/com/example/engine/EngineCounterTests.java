package com.example.engine;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the README's engine example: the count survives closing and reopening the engine on one directory. */
class EngineCounterTests {

    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    @TempDir
    Path directory;

    @Test
    void theCountIsDurableAcrossARestart() {
        String sid = SessionIds.newSid();
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(directory);
                StashAdapter stash = new StashAdapter(storage, StashSettings.builder().secret(SECRET).build())) {
            assertThat(EngineCounter.increment(stash, sid)).isEqualTo(1);
            assertThat(EngineCounter.increment(stash, sid)).isEqualTo(2);
        }
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(directory);
                StashAdapter stash = new StashAdapter(storage, StashSettings.builder().secret(SECRET).build())) {
            assertThat(EngineCounter.increment(stash, sid)).isEqualTo(3);
            assertThat(EngineCounter.increment(stash, SessionIds.newSid())).as("another session").isEqualTo(1);
        }
    }
}
