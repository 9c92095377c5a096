package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.MutableClock;

/** The expiry sweeper's count when close() comes while a delete it started is under way. */
class ExpirySweeperCloseDuringDeleteTests {

    static final Duration TTL = Duration.ofHours(1);

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    final ExecutorService io = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        io.shutdownNow();
    }

    /**
     * The run finds a document expired and starts its delete; close() comes (the application stops)
     * while the backend deletes it, and the delete answers soon after: the run waits a moment for a call
     * under way, so the deletion is counted (swept(), the starter's durable.stash.documents.swept meter).
     * Before, close() gave the wait up at once and the deletion that went on was never counted.
     */
    @Test
    void aDeleteUnderWayWhenCloseComesIsCounted() throws Exception {
        AtomicBoolean holdNext = new AtomicBoolean();
        CountDownLatch deleteSubmitted = new CountDownLatch(1);
        CountDownLatch releaseDelete = new CountDownLatch(1);
        CountDownLatch deleteDone = new CountDownLatch(1);
        Executor gated = task -> {
            if (holdNext.getAndSet(false)) { // the task submitted right after the expiry decision: the delete
                deleteSubmitted.countDown();
                io.execute(() -> {
                    try {
                        releaseDelete.await();
                        task.run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        deleteDone.countDown();
                    }
                });
            } else {
                io.execute(task);
            }
        };
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir, gated)) {
            byte[] doc = ("{\"format\":1,\"expiresAt\":\"" + clock.instant().minus(TTL) + "\",\"views\":{}}")
                    .getBytes(StandardCharsets.UTF_8);
            await(backend.put("durable-stash/session-00000", doc, Precondition.absent()));
            ExpirySweeper sweeper = new ExpirySweeper(backend,
                    StashSettings.builder().secret("sweeper-review-secret-0123456789abcdefgh").ttl(TTL).clock(clock)
                            .build(), 10);
            sweeper.beforeDelete(key -> holdNext.set(true));

            CompletableFuture<ExpirySweeper.Sweep> run = CompletableFuture.supplyAsync(sweeper::sweepOnce, io);
            assertThat(deleteSubmitted.await(5, TimeUnit.SECONDS)).as("the delete started").isTrue();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(sweeper::close, io);
            Thread.sleep(100); // close() has begun: the run's wait for the delete is told to end
            releaseDelete.countDown(); // the delete answers soon after
            closing.get(10, TimeUnit.SECONDS);
            run.get(5, TimeUnit.SECONDS);
            assertThat(deleteDone.await(5, TimeUnit.SECONDS)).isTrue();

            int left = await(backend.listKeys("durable-stash/", null, 10)).size();
            assertThat(left).as("documents left").isZero();
            assertThat(sweeper.swept()).as("deletions counted").isEqualTo(1 - left);
        }
    }
}
