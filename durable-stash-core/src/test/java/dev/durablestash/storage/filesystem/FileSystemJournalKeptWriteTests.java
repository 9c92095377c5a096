package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.awaitUntil;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The filesystem journal: writes whose file change fails after their record is
 * durable (kept and finished later), the reads beside them, and the health check. A failed file
 * change is provoked as in {@link FileSystemJournalFailedFileChangeTests}: the I/O thread starts the task
 * interrupted, and the first interruptible file operation after the journal's wait fails.
 */
class FileSystemJournalKeptWriteTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(FileSystemStorageBackend.class);

    @TempDir
    Path root;

    /**
     * A read that checked for an unfinished write before a put's in-place overwrite failed, and
     * waited for that overwrite on its stripe's read lock, reads what the failed overwrite left (an
     * empty file: a body nobody wrote). get() looks at the unfinished writes only before it waits, and
     * the put records its failure only after it let the readers in.
     */
    @Test
    void aReadWaitingForAnOverwriteThatFailsNeverSeesWhatTheFailureLeft() throws Exception {
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(3);
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool,
                Journal.DEFAULT_SEGMENT_LIMIT)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent())); // ns/ exists
            await(backend.get("warm-up", null));
            ReentrantReadWriteLock stripe = contents(backend)[Math.floorMod("ns/a".hashCode(), KeyLocks.STRIPES)];
            CompletableFuture<?> put;
            CompletableFuture<GetResult> read;
            stripe.writeLock().lock(); // another key of the stripe is being overwritten
            try {
                pool.interruptTheNextTask();
                put = backend.put("ns/a", utf8("new body"), Precondition.absent()).toCompletableFuture();
                awaitUntil("the put waits to overwrite its file", () -> stripe.getQueueLength() == 1);
                // The key's ETag no longer known (as after the known ETags were cleared at their bound): the
                // read cannot be answered from memory and goes to the file.
                knownEtags(backend).clear();
                read = backend.get("ns/a", null).toCompletableFuture();
                awaitUntil("the read waits behind it", () -> stripe.getQueueLength() == 2);
            } finally {
                stripe.writeLock().unlock();
            }
            assertThatThrownBy(() -> await(put)).hasStackTraceContaining("ClosedByInterruptException");
            assertThat(describe(await(read))).as("what the read saw").isIn("absent", "new body");
        }
    }

    /**
     * A write whose file change keeps failing (here its object's path is taken by a directory): every
     * checkpoint fails and is retried, the journal keeps every segment from then on, and every get of
     * the key fails; the health check, which is fed by Journal.problem(), still reports nothing.
     */
    @Test
    void theHealthCheckFailsWhileCheckpointsKeepFailing() throws Exception {
        logs.expect(Level.WARN, "Cannot drop journal segment");
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(1);
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, 64)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent()));
            CountDownLatch hold = new CountDownLatch(1);
            pool.interruptTheNextTask();
            CompletableFuture<?> put;
            // The put's checkpoint is handed to the pool as soon as the put is done with its file, which
            // may come before this thread queues the hold: holding the journal's monitor keeps the put's
            // record (so its checkpoint) back until the hold is queued.
            synchronized (FileSystemJournalFailedFileChangeTests.journalMonitor(backend)) {
                put = backend.put("ns/a", utf8("new body ".repeat(10)), Precondition.absent())
                        .toCompletableFuture(); // a record past the segment limit: its segment is sealed at once
                pool.execute(() -> { // keeps the checkpoint the put starts from running before the path is taken
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThatThrownBy(() -> await(put)).hasStackTraceContaining("ClosedByInterruptException");
            Path file = backend.objectFile("ns/a");
            Files.delete(file);
            Files.createDirectory(file);
            hold.countDown();
            try {
                awaitUntil("a checkpoint failed", () -> !logs.messages(Level.WARN).isEmpty());
                for (int i = 0; i < 20; i++) {
                    await(backend.put("ns/k" + i, new byte[100], Precondition.absent()));
                }
                // Fixed: a get answers the write the journal holds for the key, whose file cannot be written.
                assertThat(await(backend.get("ns/a", null))).as("a get of the key")
                        .isInstanceOfSatisfying(dev.durablestash.storage.GetResult.Found.class, (found) -> assertThat(
                                new String(found.body(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("new body"));
                assertThat(segments().size()).as("segments kept").isGreaterThan(20);
                awaitUntil("the health check fails once the checkpoint failed twice in a row", () -> {
                    try {
                        await(backend.check("probe"));
                        return false;
                    } catch (Exception e) {
                        return String.valueOf(e.getMessage()).contains("failed 2 times in a row");
                    }
                });
            } finally {
                Files.delete(file); // lets close() finish the write and drop the journal
            }
        }
    }

    /**
     * A get of a key with an unfinished write (its file change failed) takes the key's stripe lock to
     * finish it, which a put of an unrelated key of the same stripe holds while it waits for the
     * journal's fsync: that read waits for another key's fsync (for ever if the journal hangs). Here
     * the journal is held up by holding its monitor, as a slow fsync would.
     */
    @Test
    void aReadOfAKeyWithAnUnfinishedWriteIsNotHeldUpByAnUnrelatedKeysJournalWait() throws Exception {
        String read = "ns/a";
        String written = FileSystemJournalFailedFileChangeTests.keyOnTheStripeOf(read, "ns/w");
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(4);
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool,
                Journal.DEFAULT_SEGMENT_LIMIT)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent()));
            pool.interruptTheNextTask();
            assertThatThrownBy(() -> await(backend.put(read, utf8("new body"), Precondition.absent())))
                    .hasStackTraceContaining("ClosedByInterruptException");
            FileSystemJournalFailedFileChangeTests.ReadDuringJournalWait during =
                    FileSystemJournalFailedFileChangeTests.readWhileAPutWaitsForTheJournal(backend, written, read);
            assertThat(describe(during.result())).isEqualTo("new body");
            assertThat(during.inTime()).as("a read of %s done within 2 s while a write of %s waits for the journal",
                    read, written).isTrue();
        }
    }

    /**
     * A checkpoint retry already running when close() starts is neither waited for nor stopped:
     * close() makes its own last attempt, declares the segment kept for the next open's replay and
     * returns, and the retry then goes on touching object files (with the backend: finishing a
     * failed write over whatever the root's next owner wrote since) and deletes the segment that
     * close() said it kept.
     */
    @Test
    void noCheckpointRunsAfterCloseReturned() throws Exception {
        logs.expect(Level.WARN, "Cannot drop journal segment");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch retryStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Journal.ObjectFiles files = FileSystemJournalTests.forcing((keys) -> {
            int call = calls.incrementAndGet();
            if (call == 1) {
                throw new java.io.IOException("transient I/O error");
            }
            if (call == 2) { // the retry, 1 s later: slow
                running.incrementAndGet();
                retryStarted.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                running.decrementAndGet();
                return;
            }
            if (!keys.isEmpty()) { // close()'s own last attempt
                throw new java.io.IOException("still failing");
            }
        });
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        Journal journal = Journal.open(root, 64, files, pool); // a 100-byte record fills a segment
        try {
            journal.appendAndWait("ns/k", new byte[100]).done();
            assertThat(retryStarted.await(10, TimeUnit.SECONDS)).as("the retry started").isTrue();
            // close() waits for the retry in flight (fixed); the slow disk lets it go 300 ms later.
            Thread releaser = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                release.countDown();
            });
            releaser.start();
            journal.close();
            List<Path> keptByClose = segments();
            int runningAfterClose = running.get();
            releaser.join();
            Thread.sleep(200);
            assertThat(List.of(runningAfterClose, segments().size()))
                    .as("checkpoints still running once close() returned; segments then and 200 ms later: %s",
                            keptByClose)
                    .containsExactly(0, keptByClose.size());
        } finally {
            release.countDown();
            pool.shutdown();
        }
    }

    /**
     * A get that finishes a key's unfinished write (under the key's lock) racing a conditional put of
     * the same key: the put sees the finished write's ETag and wins, and the get sees either body,
     * never an empty or absent one.
     */
    @Test
    void aGetFinishingAFailedWriteRacingAPutOfTheSameKeySeesOneOfTheBodies() throws Exception {
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(4);
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool,
                Journal.DEFAULT_SEGMENT_LIMIT)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent()));
            String etag = DurableFiles.etagOf(utf8("new body"));
            for (int round = 0; round < 50; round++) {
                String key = "ns/a" + round;
                pool.interruptTheNextTask();
                assertThatThrownBy(() -> await(backend.put(key, utf8("new body"), Precondition.absent())))
                        .hasStackTraceContaining("ClosedByInterruptException");
                CompletableFuture<GetResult> read = backend.get(key, null).toCompletableFuture();
                CompletableFuture<dev.durablestash.storage.PutResult> put = backend.put(key, utf8("newer body"),
                        Precondition.matching(etag)).toCompletableFuture();
                assertThat(await(put)).as("round %d: the put", round)
                        .isInstanceOf(dev.durablestash.storage.PutResult.Written.class);
                assertThat(describe(await(read))).as("round %d: the get", round).isIn("new body", "newer body");
                assertThat(describe(await(backend.get(key, null)))).isEqualTo("newer body");
            }
        }
    }

    /**
     * A checkpoint retry that comes due once the executor no longer takes tasks (close() shut the
     * backend's own pool down and waits for it) runs on the thread of the JVM-wide delay scheduler
     * of CompletableFuture: file forces, lock waits and all, holding up every delayed task and
     * timeout of the application meanwhile.
     */
    @Test
    void aCheckpointRetryNeverRunsOnTheSharedDelaySchedulerThread() throws Exception {
        logs.expect(Level.WARN, "Cannot drop journal segment");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<String> retryThread = new CompletableFuture<>();
        Journal.ObjectFiles files = FileSystemJournalTests.forcing((keys) -> {
            if (calls.incrementAndGet() == 1) {
                throw new java.io.IOException("transient I/O error");
            }
            retryThread.complete(Thread.currentThread().getName());
        });
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        Journal journal = Journal.open(root, 64, files, pool);
        try {
            journal.appendAndWait("ns/k", new byte[100]).done();
            awaitUntil("the first checkpoint failed", () -> calls.get() == 1);
            pool.shutdown(); // as close() does with the backend's own pool before it closes the journal
            Thread.sleep(1500); // the retry's time came and the executor refused it: nothing runs it then
            assertThat(retryThread).as("a retry the executor refused").isNotDone();
            journal.close(); // makes the last attempt itself
            assertThat(retryThread.get(1, TimeUnit.SECONDS)).as("the retry's thread")
                    .isEqualTo(Thread.currentThread().getName());
        } finally {
            journal.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, String> knownEtags(FileSystemStorageBackend backend) throws Exception {
        Field etagsField = FileSystemStorageBackend.class.getDeclaredField("etags");
        etagsField.setAccessible(true);
        return (java.util.Map<String, String>) etagsField.get(backend);
    }

    private static ReentrantReadWriteLock[] contents(FileSystemStorageBackend backend) throws Exception {
        Field locksField = FileSystemStorageBackend.class.getDeclaredField("locks");
        locksField.setAccessible(true);
        Field contentsField = KeyLocks.class.getDeclaredField("contents");
        contentsField.setAccessible(true);
        return (ReentrantReadWriteLock[]) contentsField.get(locksField.get(backend));
    }

    private List<Path> segments() throws Exception {
        try (java.util.stream.Stream<Path> files = Files.list(root.resolve(Journal.DIRECTORY))) {
            return files.filter((file) -> file.toString().endsWith(Journal.SEGMENT_SUFFIX)).sorted().toList();
        }
    }

    private static String describe(GetResult result) {
        return result instanceof GetResult.Found found ? new String(found.body(), StandardCharsets.UTF_8) : "absent";
    }
}
