package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.MutableClock;

/**
 * ExpirySweeper.close()'s javadoc: "A run in progress stops at its next document, and a storage call it
 * waits for is given up (its thread is interrupted): close() waits for it at most 5 seconds". The README
 * says sweepOnce() "runs one pass by hand" and to close() the sweeper before the backend. A pass run by
 * hand is a run in progress too, but close() interrupts only the scheduler's thread: a sweepOnce() on the
 * application's thread keeps waiting for its storage call (up to a minute) after close() returned, and then
 * uses a backend the application has closed meanwhile.
 */
class ExpirySweeperManualRunCloseTests {

    static final String SECRET = "sweeper-review-secret-0123456789abcdefgh";
    static final Duration TTL = Duration.ofHours(1);

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));

    @Test
    void closeGivesUpTheStorageCallOfAPassRunByHand() throws Exception {
        AtomicBoolean stalled = new AtomicBoolean();
        ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
        CountDownLatch stuck = new CountDownLatch(1);
        Executor io = task -> {
            if (stalled.get()) {
                held.add(task); // a storage call that does not answer until the test lets it
                stuck.countDown();
            } else {
                ForkJoinPool.commonPool().execute(task);
            }
        };
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir, io)) {
            byte[] doc = ("{\"format\":1,\"expiresAt\":\"" + clock.instant().minus(TTL) + "\",\"views\":{}}")
                    .getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 3; i++) {
                await(backend.put(String.format("durable-stash/session-%05d", i), doc, Precondition.absent()));
            }
            ExpirySweeper sweeper = new ExpirySweeper(backend,
                    StashSettings.builder().secret(SECRET).ttl(TTL).clock(clock).build(), 10);
            stalled.set(true);
            CompletableFuture<Object> run = new CompletableFuture<>();
            Thread byHand = new Thread(() -> {
                try {
                    run.complete(sweeper.sweepOnce());
                } catch (Throwable e) {
                    run.complete(e);
                }
            }, "sweep-by-hand");
            byHand.start();
            assertThat(stuck.await(5, TimeUnit.SECONDS)).as("the pass called the storage").isTrue();
            try {
                sweeper.close();
                assertThat(run).as("the pass by hand once close() returned").succeedsWithin(Duration.ofSeconds(5));
            } finally {
                stalled.set(false);
                held.forEach(Runnable::run);
                byHand.join(10_000);
            }
        }
    }
}
