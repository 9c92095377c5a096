package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Tests of the filesystem journal: writes whose object-file change fails after their
 * record is durable, and what later operations, checkpoints and crashes make of them. A failed
 * file change is provoked by interrupting the I/O thread before the task runs: the journal's wait
 * ignores the interrupt, and the first interruptible file operation after it fails (as a full disk
 * or an I/O error would).
 */
class FileSystemJournalFailedFileChangeTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(FileSystemStorageBackend.class);

    @TempDir
    Path root;

    /** An I/O pool of one thread (tasks run in order) whose next task starts with its thread interrupted. */
    static final class FaultyPool extends ThreadPoolExecutor {
        /** Set: the next task this pool starts runs on an interrupted thread. */
        final AtomicBoolean interruptNext = new AtomicBoolean();
        /** Tasks handed to {@link #execute} and not finished. */
        private final AtomicInteger unfinished = new AtomicInteger();

        FaultyPool() {
            this(1);
        }

        FaultyPool(int threads) {
            super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        }

        /**
         * Makes the next task handed to this pool run on an interrupted thread, once every task handed to it
         * before has finished: with more than one thread, a task handed over earlier (the backend's start-up
         * sweep of temporary files) may start after a later one, and would take the interrupt.
         */
        void interruptTheNextTask() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (unfinished.get() > 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(unfinished.get() + " tasks still unfinished after 10 s");
                }
                Thread.sleep(1);
            }
            interruptNext.set(true);
        }

        @Override
        public void execute(Runnable task) {
            unfinished.incrementAndGet();
            try {
                super.execute(task);
            } catch (RuntimeException e) {
                unfinished.decrementAndGet();
                throw e;
            }
        }

        @Override
        protected void beforeExecute(Thread thread, Runnable task) {
            if (interruptNext.getAndSet(false)) {
                thread.interrupt();
            }
        }

        @Override
        protected void afterExecute(Runnable task, Throwable failure) {
            unfinished.decrementAndGet();
        }
    }

    /**
     * A put of a new key whose record is durable but whose in-place overwrite fails after the file
     * was created: the key is left holding an empty body, which is neither the old state (absent) nor
     * the new body; the checkpoint then forces that empty file and drops the record, so it stays.
     */
    @Test
    void aFailedOverwriteNeverLeavesABodyThatWasNeverWritten() throws Exception {
        FaultyPool pool = new FaultyPool();
        String before;
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent())); // ns/ exists
            pool.interruptTheNextTask();
            assertThatThrownBy(() -> await(backend.put("ns/a", utf8("new body"), Precondition.absent())))
                    .hasStackTraceContaining("ClosedByInterruptException");
            before = describe(await(backend.get("ns/a", null)));
        } // close(): the checkpoint forces the file and drops the segment
        String after;
        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            after = describe(await(reopened.get("ns/a", null)));
        }
        assertThat(java.util.List.of(before, after)).as("before and after a restart")
                .allMatch((seen) -> seen.equals("absent") || seen.equals("new body"));
    }

    /**
     * A put whose record is durable but whose file was never created (a failure after the journal),
     * then a conditional delete, then a crash: whatever the delete answered must hold after the
     * replay. (Before the fix the delete found no file and answered "gone" without a journal record,
     * and the replay brought the failed put back.) Now the failed write is finished by the next
     * operation on the key: the delete sees the put's body, whose ETag is not the one it names.
     */
    @Test
    void aKeyAcknowledgedAsGoneByAConditionalDeleteStaysGoneAfterACrash() throws Exception {
        FaultyPool pool = new FaultyPool();
        FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.get("warm-up", null)); // the start's sweep of temporary files is done
        pool.interruptTheNextTask(); // fresh/ is missing: forcing its new entry fails, no file is created
        assertThatThrownBy(() -> await(backend.put("fresh/a", utf8("failed put"), Precondition.absent())))
                .hasStackTraceContaining("ClosedByInterruptException");
        boolean gone = await(backend.delete("fresh/a", "some-etag"));
        backend.crashForTests();

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            GetResult result = await(reopened.get("fresh/a", null));
            if (gone) {
                assertThat(result).isInstanceOf(GetResult.NotFound.class);
            } else {
                assertThat(describe(result)).isEqualTo("failed put");
            }
        }
    }

    /** The same sequence with an unconditional delete: journaled, so the key stays gone. */
    @Test
    void aKeyAcknowledgedAsGoneByAnUnconditionalDeleteStaysGoneAfterACrash() throws Exception {
        FaultyPool pool = new FaultyPool();
        FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.get("warm-up", null));
        pool.interruptTheNextTask();
        assertThatThrownBy(() -> await(backend.put("fresh/a", utf8("failed put"), Precondition.absent())))
                .hasStackTraceContaining("ClosedByInterruptException");
        assertThat(await(backend.delete("fresh/a", null))).isTrue();
        backend.crashForTests();

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(await(reopened.get("fresh/a", null))).isInstanceOf(GetResult.NotFound.class);
        }
    }

    /**
     * One checkpoint that fails once (a transient I/O error) keeps every later segment for the rest
     * of the process: nothing retries it, so the journal grows without bound, and a clean close()
     * with nothing in flight leaves every segment behind (all replayed at the next open).
     */
    @Test
    void aCheckpointThatFailedOnceIsRetriedAndCloseLeavesNoSegment() throws Exception {
        logs.expect(Level.WARN, "Cannot drop journal segment");
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        Journal.ObjectFiles files = FileSystemJournalTests.forcing((keys) -> {
            if (failures.getAndDecrement() > 0) {
                throw new java.io.IOException("transient I/O error");
            }
        });
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        Journal journal = Journal.open(root, 64, files, pool); // every 100-byte record fills a segment
        for (int i = 0; i < 50; i++) {
            journal.appendAndWait("ns/k" + i, new byte[100]).done();
        }
        int whileOpen = FileSystemJournalTests.segmentsOnceAtMostOne(root, TimeUnit.SECONDS.toNanos(5)).size();
        journal.close();
        pool.shutdown();
        assertThat(java.util.List.of(whileOpen, segments().size())).as("segments while open, after close()")
                .containsExactly(1, 0);
    }

    /**
     * A checkpoint that throws an Error (not an IOException or RuntimeException) never completes its
     * segment's "dropped" future: no later segment is ever dropped, nothing is logged, and close()
     * waits its whole 30-second timeout.
     */
    @Test
    void aCheckpointThatThrowsAnErrorDoesNotStallCloseForItsWholeTimeout() throws Exception {
        logs.expect(Level.WARN, "Cannot drop journal segment");
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        Journal.ObjectFiles files = FileSystemJournalTests.forcing((keys) -> {
            if (failures.getAndDecrement() > 0) {
                throw new StackOverflowError("simulated");
            }
        });
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        Journal journal = Journal.open(root, 64, files, pool);
        for (int i = 0; i < 5; i++) {
            journal.appendAndWait("ns/k" + i, new byte[100]).done();
        }
        java.util.concurrent.ExecutorService closer = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.Future<?> closing = closer.submit(journal::close);
        try {
            assertThatCode(() -> closing.get(5, TimeUnit.SECONDS)).as("close() within 5 s").doesNotThrowAnyException();
        } finally {
            closing.get(60, TimeUnit.SECONDS);
            closer.shutdown();
            pool.shutdown();
        }
    }

    /**
     * Many threads writing through small segments (constant rotation), then close() at once: no
     * segment may be left behind, since nothing is in flight once close() starts.
     */
    @Test
    void closeRightAfterConcurrentWritesOverManySegmentsLeavesNoSegment() throws Exception {
        for (int round = 0; round < 10; round++) {
            Path directory = root.resolve("round-" + round);
            FileSystemStorageBackend backend = new FileSystemStorageBackend(directory, null,
                    java.util.concurrent.Executors.newFixedThreadPool(16), 300);
            java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(16);
            java.util.List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                futures.add(callers.submit(() -> {
                    java.util.Map<String, String> etags = new java.util.HashMap<>();
                    for (int i = 0; i < 40; i++) {
                        String key = "ns/t" + thread + "-" + (i % 3);
                        String previous = etags.get(key);
                        etags.put(key, ((dev.durablestash.storage.PutResult.Written) await(backend.put(key,
                                utf8("x".repeat(50 + i)), previous == null ? Precondition.absent()
                                        : Precondition.matching(previous)))).etag());
                        if (i % 7 == 0) {
                            await(backend.delete(key, null));
                            etags.remove(key);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            callers.shutdown();
            backend.close();
            assertThat(FileSystemJournalTests.segmentsIn(directory)).as("round %d", round).isEmpty();
        }
    }

    /**
     * With a journal, get() takes the key's stripe lock, which a put holds while it waits for the
     * journal's fsync: a read of an unrelated key that happens to share the stripe (1 in 256) waits
     * for another key's fsync, and for ever if the journal hangs. Here the journal is held up by
     * holding its monitor, as a slow fsync would.
     */
    @Test
    void aReadIsNotHeldUpByAnUnrelatedKeysWriteWaitingForTheJournal() throws Exception {
        String written = "ns/w";
        String read = keyOnTheStripeOf(written, "ns/r");
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root)) {
            await(backend.put(read, utf8("unrelated"), Precondition.absent()));
            ReadDuringJournalWait during = readWhileAPutWaitsForTheJournal(backend, written, read);
            assertThat(during.inTime()).as("a read of %s done within 2 s while a write of %s waits for the journal",
                    read, written).isTrue();
            assertThat(during.result()).isInstanceOf(GetResult.Found.class);
        }
    }

    /** @return the first of {@code prefix + 0}, {@code prefix + 1}... whose key lock stripe is {@code key}'s */
    static String keyOnTheStripeOf(String key, String prefix) {
        for (int i = 0;; i++) {
            String candidate = prefix + i;
            if (Math.floorMod(candidate.hashCode(), KeyLocks.STRIPES) == Math.floorMod(key.hashCode(), KeyLocks.STRIPES)) {
                return candidate;
            }
        }
    }

    /** What a get did while a put of another key waited for the journal: its answer, and whether it came within 2 s. */
    record ReadDuringJournalWait(GetResult result, boolean inTime) {
    }

    /** @return the monitor the journal holds while it appends and forces: a thread holding it holds the journal up */
    static Object journalMonitor(FileSystemStorageBackend backend) throws ReflectiveOperationException {
        java.lang.reflect.Field journalField = FileSystemStorageBackend.class.getDeclaredField("journal");
        journalField.setAccessible(true);
        java.lang.reflect.Field lockField = Journal.class.getDeclaredField("lock");
        lockField.setAccessible(true);
        return lockField.get(journalField.get(backend));
    }

    /**
     * Holds the journal up by holding its monitor, as a slow fsync would; puts {@code written} (which
     * then waits for the journal, holding its stripe), gets {@code read} and gives it 2 s; then lets
     * the journal go and waits for both.
     */
    static ReadDuringJournalWait readWhileAPutWaitsForTheJournal(FileSystemStorageBackend backend, String written,
            String read) throws Exception {
        Object monitor = journalMonitor(backend);
        java.util.concurrent.CompletableFuture<GetResult> readResult;
        java.util.concurrent.CompletionStage<?> put;
        boolean readInTime;
        synchronized (monitor) { // the journal is "busy forcing"
            put = backend.put(written, utf8("slow"), Precondition.absent());
            Thread.sleep(200); // the put holds its stripe and waits for the journal
            readResult = backend.get(read, null).toCompletableFuture();
            try {
                readResult.get(2, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // reported by the caller, once the journal is let go
            }
            readInTime = readResult.isDone();
        }
        await(put);
        return new ReadDuringJournalWait(await(readResult), readInTime);
    }

    private java.util.List<Path> segments() throws Exception {
        return FileSystemJournalTests.segmentsIn(root);
    }

    private static String describe(GetResult result) {
        return result instanceof GetResult.Found found ? new String(found.body(), StandardCharsets.UTF_8) : "absent";
    }

}
