package com.example.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the README's engine example: the count survives closing and reopening the engine on one directory,
 * and increments of one session racing on several threads are all kept.
 */
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

    @Test
    void racingIncrementsOfOneSessionAreAllKept() throws Exception {
        int threads = 8;
        int each = 25;
        String sid = SessionIds.newSid();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(directory);
                StashAdapter stash = new StashAdapter(storage, StashSettings.builder().secret(SECRET).build())) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    List<Integer> seen = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        seen.add(EngineCounter.increment(stash, sid));
                    }
                    return seen;
                }));
            }
            start.countDown();
            List<Integer> returned = new ArrayList<>();
            for (Future<List<Integer>> result : results) {
                returned.addAll(result.get(60, TimeUnit.SECONDS));
            }
            assertThat(returned).as("each increment returns a count no other returned")
                    .doesNotHaveDuplicates().hasSize(threads * each);
            assertThat(EngineCounter.increment(stash, sid)).isEqualTo(threads * each + 1);
        } finally {
            pool.shutdownNow();
        }
    }
}
