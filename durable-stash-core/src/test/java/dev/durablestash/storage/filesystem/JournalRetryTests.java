package dev.durablestash.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/**
 * A failed checkpoint's retry, timed by the journal's committer thread: an executor that throws an Error when
 * the retry (or a first checkpoint) is handed to it, and a checkpoint that fails just as close() starts. Both were seen failing with the
 * first version of that timing (a write that never became durable: the committer had ended; close() waiting its
 * full 30 s: nobody tried the checkpoint again).
 */
class JournalRetryTests {

    @TempDir
    Path root;

    @org.junit.jupiter.api.extension.RegisterExtension
    final dev.durablestash.testsupport.ExpectedLogs logs =
            dev.durablestash.testsupport.ExpectedLogs.of(FileSystemStorageBackend.class);

    /**
     * The committer hands the retry to the executor: an Error there (OutOfMemoryError "unable to create native
     * thread" from a pool that starts a thread) must not end the committer, which every later write waits for.
     */
    @Test
    void anErrorFromTheExecutorWhenARetryIsHandedOverDoesNotStopWrites() throws Exception {
        logs.expect(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean failedOnce = new AtomicBoolean();
        CountDownLatch threw = new CountDownLatch(1);
        Journal journal = Journal.open(root, 64, FileSystemJournalTests.forcing(keys -> {
            if (failedOnce.compareAndSet(false, true)) {
                throw new IOException("disk full");
            }
        }), task -> {
            if (failedOnce.get() && threw.getCount() > 0) {
                threw.countDown();
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            pool.execute(task);
        });
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            journal.appendAndWait("ns/k0", new byte[100]).done(); // fills the segment: its checkpoint fails
            assertThat(threw.await(10, TimeUnit.SECONDS)).as("the retry was handed to the executor").isTrue();
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    journal.appendAndWait("ns/k1", new byte[10]).done();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, writer);
            try {
                write.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("a write after the retry's hand-over never became durable; problem(): "
                        + journal.problem(), e);
            }
        } finally {
            journal.halt();
            writer.shutdownNow();
            pool.shutdownNow();
        }
    }

    /**
     * A checkpoint attempt that fails while close() starts (held at its warning, which a log appender blocks
     * until close() waits): either close() finds the retry and makes the last attempt, or the failed attempt
     * sees the journal closing; close() must not wait its full 30 s for the last segment.
     */
    @Test
    void aCheckpointFailingAsCloseStartsDoesNotHoldCloseForThirtySeconds() throws Exception {
        logs.expect(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch inWarning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Logger logger = (Logger) LoggerFactory.getLogger(FileSystemStorageBackend.class);
        AppenderBase<ILoggingEvent> holding = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().contains("yet (attempt 1")) {
                    inWarning.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        holding.start();
        logger.addAppender(holding);
        AtomicBoolean failedOnce = new AtomicBoolean();
        Journal journal = Journal.open(root, 64, FileSystemJournalTests.forcing(keys -> {
            if (failedOnce.compareAndSet(false, true)) {
                throw new IOException("disk full");
            }
        }), pool);
        try {
            journal.appendAndWait("ns/k0", new byte[100]).done(); // fills the segment: its checkpoint fails
            assertThat(inWarning.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Long> closing = CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                journal.close();
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            });
            Thread closer = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (closer == null && System.nanoTime() < deadline) {
                closer = Thread.getAllStackTraces().entrySet().stream()
                        .filter(thread -> waitingInClose(thread.getKey(), thread.getValue()))
                        .map(java.util.Map.Entry::getKey).findFirst().orElse(null);
                Thread.sleep(5);
            }
            assertThat(closer).as("close() waiting (for the checkpoint's lock or the last segment)").isNotNull();
            release.countDown();
            long tookMillis;
            try {
                tookMillis = closing.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(e);
            }
            assertThat(tookMillis).as("close() took (ms)").isLessThan(10_000);
        } finally {
            release.countDown();
            logger.detachAppender(holding);
            pool.shutdownNow();
        }
    }

    /**
     * The same Error when a sealed segment's checkpoint is first handed to the executor: it vanished in the
     * stage that started the checkpoint, which was never tried again (the segments after it waited, and close()
     * its full 30 s). Seen failing before the change.
     */
    @Test
    void anErrorFromTheExecutorWhenACheckpointIsFirstHandedOverIsTriedAgain() throws Exception {
        logs.allow(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean armed = new AtomicBoolean();
        Journal journal = Journal.open(root, 64, FileSystemJournalTests.forcing(keys -> {
        }), task -> {
            if (armed.compareAndSet(true, false)) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            pool.execute(task);
        });
        try {
            armed.set(true);
            journal.appendAndWait("ns/k0", new byte[100]).done(); // fills the segment: its checkpoint is handed over
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (armed.get() && System.nanoTime() < deadline) {
                Thread.sleep(5); // until the sealed segment's checkpoint is handed to the executor
            }
            assertThat(armed).as("the executor threw").isFalse();
            Thread.sleep(1_500); // a failed start is tried again after 1 s
            long closeMillis = CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                journal.close();
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }).get(60, TimeUnit.SECONDS);
            assertThat(closeMillis).as("close() took (ms) after the checkpoint's hand-over threw an Error")
                    .isLessThan(10_000);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A bounded executor (the backend takes one of the application's) refuses a task when it is full, not
     * only once shut down: a retry it refused once while the journal was open was dropped ("close() runs it"),
     * so that segment and every one after it stayed until close(). Seen failing before the change (1 attempt).
     */
    @Test
    void aRetryRejectedOnceBySaturatedBoundedExecutorIsTriedAgain() throws Exception {
        logs.allow(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        logs.allow(ch.qos.logback.classic.Level.INFO, "Dropped journal segment");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger forces = new AtomicInteger();
        AtomicBoolean rejectedOnce = new AtomicBoolean();
        Journal journal = Journal.open(root, 64, FileSystemJournalTests.forcing(keys -> {
            if (forces.incrementAndGet() == 1) {
                throw new IOException("disk full");
            }
        }), task -> {
            // the retry's hand-over (after the first attempt failed) finds the bounded queue full, once
            if (forces.get() >= 1 && rejectedOnce.compareAndSet(false, true)) {
                throw new RejectedExecutionException("queue full (a saturated bounded executor)");
            }
            pool.execute(task);
        });
        try {
            journal.appendAndWait("ns/k0", new byte[100]).done(); // fills the segment: its checkpoint fails
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (forces.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10); // first retry after 1 s, the next after 2 s
            }
            assertThat(rejectedOnce).as("the retry's hand-over was rejected").isTrue();
            long segments;
            try (Stream<Path> files = Files.list(root.resolve(Journal.DIRECTORY))) {
                segments = files.count();
            }
            assertThat(forces.get()).as("checkpoint attempts within 10 s of a retry the executor rejected once "
                    + "(journal open; problem(): %s; segment files: %d)", journal.problem(), segments)
                    .isGreaterThanOrEqualTo(2);
        } finally {
            journal.close();
            pool.shutdownNow();
        }
    }

    /**
     * A retry the executor refuses once close() has begun (the backend's own executor is shut down just before
     * it closes the journal): close() must still make the last attempt. From a fourth review, which saw the
     * refusal taken for a failed attempt that, the journal closing, gave the segment up (left to the next
     * open's replay).
     */
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

    /** @return whether the thread waits inside Journal.close(), past the committer's end */
    private static boolean waitingInClose(Thread thread, StackTraceElement[] stack) {
        Thread.State state = thread.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        boolean inClose = false;
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().equals(Thread.class.getName()) && frame.getMethodName().equals("join")) {
                return false;
            }
            inClose |= frame.getClassName().equals(Journal.class.getName()) && frame.getMethodName().equals("close");
        }
        return inClose;
    }
}
