package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/**
 * Compare-and-swap between processes on one root (plain backends) rests on the OS byte-range locks of the
 * root's lock file, which this process holds on one shared channel. Nothing this process does while one
 * of its compare-and-swaps is in progress may let another process into it: neither an interrupt of
 * another I/O thread that takes a file lock (an interrupted {@code FileChannel.lock} closes the channel,
 * and with it every lock the process holds in it) nor {@code close()} of the backend while the operation
 * runs on an executor of the caller's.
 *
 * <p>Each test holds this process's create of {@code ns/k1} between its precondition check and its
 * write, lets another process create the same key, and checks that at most one of the two creates
 * succeeded. The other process's create waits for the lock while this one's is held; it is given
 * {@link #OTHER_PROCESS_WINDOW_MILLIS} to get in (warmed up, it needs a few milliseconds once the lock
 * is free) before this one's is let go.
 */
class CrossProcessLockInterruptTests {

    private static final long OTHER_PROCESS_WINDOW_MILLIS = 1500;

    @TempDir
    Path root;

    /**
     * Opens a plain backend, creates a key of its own (so that the create below runs warm), says OPEN;
     * on a line "GO" creates ns/k1 and prints the outcome.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            FileSystemStorageBackend backend = new FileSystemStorageBackend(Path.of(args[0]), 2);
            dev.durablestash.testsupport.Stages.await(
                    backend.put("warm/up", "x".getBytes(StandardCharsets.UTF_8), Precondition.absent()));
            System.out.println("OPEN");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = in.readLine();
            if ("GO".equals(line)) {
                PutResult result = dev.durablestash.testsupport.Stages.await(
                        backend.put("ns/k1", "child".getBytes(StandardCharsets.UTF_8), Precondition.absent()));
                System.out.println("CHILD " + result.getClass().getSimpleName());
                System.out.flush();
            }
            backend.close();
        }
    }

    private enum Meanwhile { NOTHING, INTERRUPTED_PUT, CLOSE }

    @Test
    void anInterruptedIoThreadDoesNotLetAnotherProcessIntoACompareAndSwapInProgress() throws Exception {
        run(Meanwhile.INTERRUPTED_PUT);
    }

    /** The same sequence without the interrupt: the other process waits and loses. */
    @Test
    void withoutTheInterruptTheOtherProcessWaitsAndLoses() throws Exception {
        run(Meanwhile.NOTHING);
    }

    /** close() of a backend on the caller's executor must not release the lock file under an operation. */
    @Test
    void closingABackendOnACallersExecutorDoesNotLetAnotherProcessIntoACompareAndSwapInProgress() throws Exception {
        run(Meanwhile.CLOSE);
    }

    private void run(Meanwhile meanwhile) throws Exception {
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(2);
        Process child = null;
        try (FileSystemStorageBackend plain = new FileSystemStorageBackend(root, pool)) {
            await(plain.put("ns/other", utf8("x"), Precondition.absent())); // ns/ exists
            child = new ProcessBuilder(List.of(javaCommand, "-cp", System.getProperty("java.class.path"),
                    Child.class.getName(), root.toString())).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("OPEN");

            // This process creates ns/k1 (If-None-Match: *); its compare-and-swap holds the key's stripe
            // (JVM lock + OS lock) after the check, until it is let go.
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch letGo = new CountDownLatch(1);
            plain.insideCompareAndSwapForTests = (key) -> {
                if (key.equals("ns/k1")) {
                    inside.countDown();
                    try {
                        letGo.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            CompletableFuture<PutResult> mine = plain.put("ns/k1", utf8("mine"), Precondition.absent())
                    .toCompletableFuture();
            assertThat(inside.await(30, TimeUnit.SECONDS)).as("this process's create is in progress").isTrue();

            CompletableFuture<Void> closing = CompletableFuture.completedFuture(null);
            if (meanwhile == Meanwhile.INTERRUPTED_PUT) {
                // The other I/O thread of this process is interrupted as it takes the lock of another stripe.
                pool.interruptNext.set(true);
                try {
                    await(plain.put("ns/k2", utf8("two"), Precondition.absent()));
                } catch (Exception e) {
                    // Whether it fails is not the point: the file locks of this process must survive it.
                }
            } else if (meanwhile == Meanwhile.CLOSE) {
                // On a thread of its own: a close() that waits for the create would wait for the test.
                closing = CompletableFuture.runAsync(plain::close, (task) -> new Thread(task).start());
                Thread.sleep(100); // a close() that does not wait has released the lock file by now
            }
            assertThat(mine).as("this process's create is still in progress").isNotDone();

            // The other process creates the same key now; this process's create goes on after a while.
            OutputStream childIn = child.getOutputStream();
            childIn.write("GO\n".getBytes(StandardCharsets.UTF_8));
            childIn.flush();
            BufferedReader childOut = out;
            CompletableFuture<String> childOutcome = CompletableFuture.supplyAsync(() -> {
                try {
                    return String.valueOf(childOut.readLine());
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            }, (task) -> new Thread(task).start());
            try {
                childOutcome.get(OTHER_PROCESS_WINDOW_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // Waiting for the lock, as it should.
            }
            letGo.countDown();
            PutResult mineResult = mine.get(30, TimeUnit.SECONDS);
            String childResult = childOutcome.get(30, TimeUnit.SECONDS);
            closing.get(30, TimeUnit.SECONDS);
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            boolean bothWon = childResult.equals("CHILD Written") && mineResult instanceof PutResult.Written;
            assertThat(bothWon).as("two creates of ns/k1 with If-None-Match: * both succeeded (this process: %s, "
                    + "the other: %s)", mineResult, childResult).isFalse();
            assertThat(List.of(mineResult instanceof PutResult.Written, childResult.equals("CHILD Written")))
                    .as("exactly one create of ns/k1 succeeded").containsOnlyOnce(true);
        } finally {
            if (child != null) {
                child.destroy();
            }
            pool.shutdown();
        }
    }
}
