package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Review tests of the filesystem journal: writes whose object-file change fails after their
 * record is durable, and what later operations, checkpoints and crashes make of them. A failed
 * file change is provoked by interrupting the I/O thread before the task runs: the journal's wait
 * ignores the interrupt, and the first interruptible file operation after it fails (as a full disk
 * or an I/O error would).
 */
class FileSystemJournalReviewTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(FileSystemStorageBackend.class);

    @TempDir
    Path root;

    /** An I/O pool of one thread (tasks run in order) whose next task starts with its thread interrupted. */
    static final class FaultyPool extends ThreadPoolExecutor {
        final AtomicBoolean interruptNext = new AtomicBoolean();

        FaultyPool() {
            super(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        }

        @Override
        protected void beforeExecute(Thread thread, Runnable task) {
            if (interruptNext.getAndSet(false)) {
                thread.interrupt();
            }
        }
    }

    /**
     * A put of a new key whose record is durable but whose in-place overwrite fails after the file
     * was created: the key is left holding an empty body, which is neither the old state (absent) nor
     * the new body; the checkpoint then forces that empty file and drops the record, so it stays.
     */
    @Test
    @Disabled("Review defect: a failed journaled put of a new key leaves an empty object, kept by the checkpoint")
    void aFailedOverwriteNeverLeavesABodyThatWasNeverWritten() throws Exception {
        FaultyPool pool = new FaultyPool();
        String before;
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent())); // ns/ exists
            pool.interruptNext.set(true);
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
     * A put whose record is durable but whose file was never created, then a conditional delete
     * that finds no file and acknowledges the key as gone without a journal record (the
     * unconditional delete journals this case), then a crash: replay applies the failed put, and
     * the key comes back after its deletion was acknowledged.
     */
    @Test
    @Disabled("Review defect: a conditional delete of an absent key writes no record, so replay resurrects a failed put")
    void aKeyAcknowledgedAsGoneByAConditionalDeleteStaysGoneAfterACrash() throws Exception {
        FaultyPool pool = new FaultyPool();
        FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.get("warm-up", null)); // the start's sweep of temporary files is done
        pool.interruptNext.set(true); // fresh/ is missing: forcing its new entry fails, no file is created
        assertThatThrownBy(() -> await(backend.put("fresh/a", utf8("failed put"), Precondition.absent())))
                .hasStackTraceContaining("ClosedByInterruptException");
        assertThat(await(backend.get("fresh/a", null))).isInstanceOf(GetResult.NotFound.class);
        assertThat(await(backend.delete("fresh/a", "some-etag"))).isTrue(); // acknowledged: gone
        backend.crashForTests();

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(await(reopened.get("fresh/a", null))).isInstanceOf(GetResult.NotFound.class);
        }
    }

    /** The same sequence with an unconditional delete: journaled, so the key stays gone. */
    @Test
    void aKeyAcknowledgedAsGoneByAnUnconditionalDeleteStaysGoneAfterACrash() throws Exception {
        FaultyPool pool = new FaultyPool();
        FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.get("warm-up", null));
        pool.interruptNext.set(true);
        assertThatThrownBy(() -> await(backend.put("fresh/a", utf8("failed put"), Precondition.absent())))
                .hasStackTraceContaining("ClosedByInterruptException");
        assertThat(await(backend.delete("fresh/a", null))).isTrue();
        backend.crashForTests();

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(await(reopened.get("fresh/a", null))).isInstanceOf(GetResult.NotFound.class);
        }
    }

    private static String describe(GetResult result) {
        return result instanceof GetResult.Found found ? new String(found.body(), StandardCharsets.UTF_8) : "absent";
    }

}
