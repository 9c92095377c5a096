package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;

/**
 * Two processes whose plain filesystem backends open one directory at the same moment: the first
 * holds the directory's ownership lock exclusively for a moment (its check for a journal left
 * behind) before it lowers it to shared. The second must wait for that moment to pass and open, not
 * fail as if the first had a journal.
 */
class SimultaneousStartTests {

    @TempDir
    Path root;

    /**
     * Does what a plain backend does as it opens the directory, one step per line read: takes the
     * ownership lock exclusively (says ALONE), then on any line lowers it to shared (says SHARED), and
     * exits on the next line.
     */
    public static final class StartingProcess {
        public static void main(String[] args) throws Exception {
            try (FileChannel owner = FileChannel.open(Path.of(args[0]).resolve(KeyLocks.OWNER_FILE_NAME),
                    StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock alone = owner.lock(0, 1, false);
                System.out.println("ALONE");
                System.out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                in.readLine();
                alone.release();
                owner.lock(0, 1, true);
                System.out.println("SHARED");
                System.out.flush();
                in.readLine();
            }
        }
    }

    @Test
    void aPlainBackendOpeningWhileAnotherProcessChecksTheDirectoryAloneWaitsAndOpens() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                StartingProcess.class.getName(), root.toString())).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            OutputStream in = other.getOutputStream();
            assertThat(out.readLine()).isEqualTo("ALONE");

            Thread[] opener = new Thread[1];
            CompletableFuture<FileSystemStorageBackend> opening = new CompletableFuture<>();
            opener[0] = new Thread(() -> {
                try {
                    opening.complete(new FileSystemStorageBackend(root));
                } catch (Throwable e) {
                    opening.completeExceptionally(e);
                }
            }, "opener");
            opener[0].start();
            // Until the opener waits for the other process (or has given up): then let that one go on.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!opening.isDone() && !waitsForTheOwnershipLock(opener[0]) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(opening).as("the backend opening while another process checks the directory alone")
                    .isNotDone();
            in.write("go on\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertThat(out.readLine()).isEqualTo("SHARED");

            try (FileSystemStorageBackend backend = opening.get(30, TimeUnit.SECONDS)) {
                await(backend.put("ns/k", utf8("v"), Precondition.absent()));
                assertThat(await(backend.get("ns/k", null))).isInstanceOf(GetResult.Found.class);
            }
            in.write("exit\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        } finally {
            other.destroy();
            other.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static boolean waitsForTheOwnershipLock(Thread thread) {
        return Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getClassName().equals(KeyLocks.class
                .getName()) && frame.getMethodName().equals("takeOwnership"))
                && Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getMethodName().contains("sleep")
                        || frame.getMethodName().contains("park"));
    }
}
