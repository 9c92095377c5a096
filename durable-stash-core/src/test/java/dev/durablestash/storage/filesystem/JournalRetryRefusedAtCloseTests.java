package dev.durablestash.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retry the executor refuses once close() has begun (the backend's own executor is shut down just before it
 * closes the journal): close() must still make the last attempt. From a fourth review, which saw the refusal
 * taken for a failed attempt that, the journal closing, gave the segment up (left to the next open's replay).
 */
class JournalRetryRefusedAtCloseTests {

    @TempDir
    Path root;

    @org.junit.jupiter.api.extension.RegisterExtension
    final dev.durablestash.testsupport.ExpectedLogs logs =
            dev.durablestash.testsupport.ExpectedLogs.of(FileSystemStorageBackend.class);

    @Test
    void aRetryRefusedWhileCloseStartsIsStillTriedOnceMoreByClose() throws Exception {
        logs.allow(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        logs.allow(ch.qos.logback.classic.Level.INFO, "Dropped journal segment");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger forces = new AtomicInteger();
        CountDownLatch handingOverRetry = new CountDownLatch(1);
        Journal[] holder = new Journal[1];
        Journal journal = Journal.open(root, 64, FileSystemJournalTests.forcing(keys -> {
            if (forces.incrementAndGet() == 1) {
                throw new IOException("disk full");
            }
        }), task -> {
            if (forces.get() >= 1 && handingOverRetry.getCount() > 0) {
                handingOverRetry.countDown();
                awaitClosed(holder[0]); // close() has set closing; the backend's executor is shut down
                throw new RejectedExecutionException("executor shut down (the backend is closing)");
            }
            pool.execute(task);
        });
        holder[0] = journal;
        try {
            journal.appendAndWait("ns/k0", new byte[100]).done(); // fills the segment: its checkpoint fails
            assertThat(handingOverRetry.await(10, TimeUnit.SECONDS)).as("the retry was handed over").isTrue();
            Thread closer = new Thread(journal::close, "closer");
            closer.start();
            closer.join(TimeUnit.SECONDS.toMillis(40));
            assertThat(closer.isAlive()).isFalse();
            List<Path> segments;
            try (Stream<Path> files = Files.list(root.resolve(Journal.DIRECTORY))) {
                segments = files.toList();
            }
            assertThat(segments).as("segment files after close() (force attempts: %d; the last attempt succeeds)",
                    forces.get()).isEmpty();
        } finally {
            journal.close();
            pool.shutdownNow();
        }
    }

    private static void awaitClosed(Journal journal) {
        try {
            Field closed = Journal.class.getDeclaredField("closed");
            closed.setAccessible(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!closed.getBoolean(journal) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } catch (ReflectiveOperationException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
