package dev.durablestash.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a plain backend waits (up to 10 s) for another process that holds its directory's ownership
 * lock alone, backends of this JVM on other directories open and close as usual. Seen failing before:
 * the wait held the monitor of every directory's lock table, and a close() elsewhere waited for it.
 */
class OwnershipWaitTests {

    @TempDir
    Path root;
    @TempDir
    Path elsewhere;

    @Test
    @SuppressWarnings("try") // the backend is only opened and closed, not used
    void aBackendOnAnotherDirectoryOpensAndClosesWhileOneWaitsForTheOwnershipLock() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SimultaneousStartTests.StartingProcess.class.getName(), root.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        FileSystemStorageBackend already = new FileSystemStorageBackend(Files.createDirectories(elsewhere.resolve("a")));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            OutputStream in = other.getOutputStream();
            assertThat(out.readLine()).isEqualTo("ALONE"); // the other process holds the ownership lock alone

            CompletableFuture<FileSystemStorageBackend> opening = new CompletableFuture<>();
            Thread opener = new Thread(() -> {
                try {
                    opening.complete(new FileSystemStorageBackend(root));
                } catch (Throwable e) {
                    opening.completeExceptionally(e);
                }
            }, "opener");
            opener.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!opening.isDone() && !SimultaneousStartTests.waitsForTheOwnershipLock(opener)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(opening).as("the backend waiting for the other process").isNotDone();

            CompletableFuture<Void> closeAndOpenElsewhere = CompletableFuture.runAsync(() -> {
                already.close();
                try (FileSystemStorageBackend b = new FileSystemStorageBackend(Files.createDirectories(elsewhere.resolve("b")))) {
                    // opened and closed
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try {
                closeAndOpenElsewhere.get(3, TimeUnit.SECONDS);
            } finally {
                in.write("go on\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                closeAndOpenElsewhere.get(30, TimeUnit.SECONDS);
                opening.get(30, TimeUnit.SECONDS).close();
                in.write("exit\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
        } finally {
            other.destroy();
            other.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
