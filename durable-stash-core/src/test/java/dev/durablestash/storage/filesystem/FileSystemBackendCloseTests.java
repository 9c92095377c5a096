package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.StorageException;

/**
 * How {@link FileSystemStorageBackend#close()} ends: it waits up to 30 s for the operations in
 * flight, so each test asks it to return within {@link #PROMPTLY}, well short of that; a close() that
 * waits its 30 s for an operation that cannot end fails the test.
 */
class FileSystemBackendCloseTests {

    /** Much less than close()'s 30 s, much more than any close() here needs. */
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path root;

    /** Runs close() on a thread of its own, so that the test can bound how long it takes. */
    private static CompletableFuture<Void> closing(FileSystemStorageBackend backend) {
        return CompletableFuture.runAsync(backend::close, (task) -> new Thread(task, "closing").start());
    }

    /**
     * An executor that fails to take a task with something other than a
     * {@code RejectedExecutionException}: the operation fails, and it is not left counted as in
     * flight (close() would wait for it).
     */
    @Test
    void anOperationTheExecutorFailedToTakeIsNotWaitedForByClose() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        AtomicBoolean failNext = new AtomicBoolean();
        Executor failing = (task) -> {
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException("no task taken now");
            }
            pool.execute(task);
        };
        try {
            FileSystemStorageBackend backend = new FileSystemStorageBackend(root, failing);
            await(backend.get("warm-up", null)); // the start's sweep of temporary files has run too

            failNext.set(true);
            Throwable failure = requireFailure(CompletableFuture.supplyAsync(() -> backend.put("k", utf8("v"),
                    Precondition.absent())).thenCompose((stage) -> stage));

            await(closing(backend), PROMPTLY);
            assertThat(failure).isInstanceOf(StorageException.class)
                    .hasMessageContaining("Filesystem put of key \"k\"")
                    .hasMessageContaining("no task taken now");
        } finally {
            pool.shutdownNow();
        }
    }
}
