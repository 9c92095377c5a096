package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.awaitUntil;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
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
     * Another process that takes the file lock of one stripe of a root's lock file, says "HELD" and
     * keeps it until it is killed, as a process that hung in a compare-and-swap would.
     */
    public static final class HungLockHolder {
        public static void main(String[] args) throws Exception {
            FileChannel channel = FileChannel.open(Path.of(args[0]).resolve(KeyLocks.LOCK_FILE_NAME),
                    StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.lock(Integer.parseInt(args[1]), 1, false);
            System.out.println("HELD");
            System.out.flush();
            while (System.in.read() >= 0) {
                // held until the parent kills this process
            }
        }
    }

    /**
     * Two puts of a key whose lock another process holds and never releases, the first waiting for
     * that process's file lock, the second for the first in this process: close() ends both waits
     * at once; both puts fail, saying why.
     */
    @Test
    void closeEndsThePutsWaitingForAKeysLockThatAnotherProcessNeverReleases() throws Exception {
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int stripe = Math.floorMod("k".hashCode(), KeyLocks.STRIPES);
        Process holder = new ProcessBuilder(List.of(javaCommand, "-cp", System.getProperty("java.class.path"),
                HungLockHolder.class.getName(), root.toString(), String.valueOf(stripe)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Thread> ioThreads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, (task) -> {
            Thread thread = new Thread(task, "io-" + ioThreads.size());
            ioThreads.add(thread);
            return thread;
        });
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("HELD");
            FileSystemStorageBackend backend = new FileSystemStorageBackend(root, pool);
            await(backend.get("warm-up", null));

            CompletionStage<PutResult> first = backend.put("k", utf8("one"), Precondition.absent());
            CompletionStage<PutResult> second = backend.put("k", utf8("two"), Precondition.absent());
            awaitUntil("both puts wait for the key's lock", () -> ioThreads.size() == 2
                    && ioThreads.stream().allMatch(FileSystemBackendCloseTests::takesAKeyLock));

            await(closing(backend), PROMPTLY);
            for (CompletionStage<PutResult> put : List.of(first, second)) {
                assertThat(requireFailure(put)).isInstanceOf(StorageException.class)
                        .hasMessageContaining("Filesystem put of key \"k\"")
                        .hasMessageContaining("the backend was closed while the operation waited for its key's lock, "
                                + "which another process holds");
            }
        } finally {
            holder.destroyForcibly();
            pool.shutdownNow();
        }
    }

    private static boolean takesAKeyLock(Thread thread) {
        return Arrays.stream(thread.getStackTrace()).anyMatch((frame) ->
                frame.getClassName().equals(KeyLocks.class.getName()) && frame.getMethodName().equals("locked"));
    }

    /**
     * A callback of one put that closes the backend, run on the caller's single-thread executor, with
     * another put queued behind it there: close() cannot wait for that put (it runs on the thread
     * close() would block), so it returns at once, and the queued put runs and succeeds.
     */
    @Test
    void aCallbackThatClosesTheBackendOnTheCallersOnlyThreadDoesNotWaitForThePutQueuedBehindIt() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            FileSystemStorageBackend backend = new FileSystemStorageBackend(root, single);
            CountDownLatch queueing = new CountDownLatch(1);
            single.execute(() -> awaitQuietly(queueing)); // both puts and the callback wait behind it
            CompletableFuture<PutResult> first = backend.put("a", utf8("one"), Precondition.absent())
                    .toCompletableFuture();
            CompletableFuture<PutResult> second = backend.put("b", utf8("two"), Precondition.absent())
                    .toCompletableFuture();
            CompletableFuture<Void> closedByCallback = first.thenRun(backend::close);
            queueing.countDown();

            await(closedByCallback, PROMPTLY);
            assertThat(await(second, PROMPTLY)).isInstanceOf(PutResult.Written.class);
            backend.awaitClosingForTests();
            FileSystemStorageBackend.withJournal(root, 1).close(); // the root was released
        } finally {
            single.shutdownNow();
        }
    }

    /**
     * A callback of one put that closes a backend with its own pool, run on a thread of that pool,
     * while another put holds its key's lock on the pool's other thread: close() does not wait for its
     * own thread, and the lock file is still released only after the other put.
     */
    @Test
    void aCallbackThatClosesABackendOnItsOwnPoolWaitsNeitherForItselfNorReleasesTheRootUnderAnotherPut()
            throws Exception {
        FileSystemStorageBackend backend = new FileSystemStorageBackend(root, 2);
        await(backend.get("warm-up", null));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        CountDownLatch finishing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        backend.insideCompareAndSwapForTests = (key) -> {
            if (key.equals("held")) {
                holding.countDown();
                awaitQuietly(letGo);
            } else {
                finishing.countDown();
                awaitQuietly(finish);
            }
        };
        CompletableFuture<PutResult> held = backend.put("held", utf8("x"), Precondition.absent()).toCompletableFuture();
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<PutResult> closer = backend.put("closer", utf8("y"), Precondition.absent()).toCompletableFuture();
        assertThat(finishing.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closedByCallback = closer.thenRun(backend::close); // runs on the pool's thread
        finish.countDown();

        await(closedByCallback, PROMPTLY);
        assertThat(held).as("the other put, still holding its key's lock").isNotDone();
        assertThatThrownBy(() -> FileSystemStorageBackend.withJournal(root, 1))
                .as("the root is still this backend's while a put holds a key's lock")
                .isInstanceOf(StorageException.class).hasMessageContaining("in use by another backend of this process");
        letGo.countDown();
        assertThat(await(held, PROMPTLY)).isInstanceOf(PutResult.Written.class);
        backend.awaitClosingForTests();
        FileSystemStorageBackend.withJournal(root, 1).close(); // the root was released
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
