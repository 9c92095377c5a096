package dev.durablestash.spring.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The secret file of the filesystem default: written whole, never replaced, never used when damaged. */
class GeneratedSecretTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    @TempDir
    Path directory;

    @Test
    void aGeneratedSecretIsWrittenWholeWithNoTemporaryFileLeftAndReadBackUnchanged() throws Exception {
        String secret = GeneratedSecret.loadOrCreate(directory);
        assertThat(SessionIds.isWellFormed(secret)).isTrue();
        assertThat(Files.readString(directory.resolve(GeneratedSecret.FILE_NAME))).isEqualTo(secret);
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(directory.resolve(GeneratedSecret.FILE_NAME));
        }
        assertThat(GeneratedSecret.loadOrCreate(directory)).isEqualTo(secret);
    }

    @Test
    void aMissingDirectoryIsCreated() {
        Path nested = directory.resolve("a").resolve("b");
        String secret = GeneratedSecret.loadOrCreate(nested);
        assertThat(nested.resolve(GeneratedSecret.FILE_NAME)).hasContent(secret);
    }

    @Test
    void anEmptySecretFileFailsNamingTheFile() throws Exception {
        assertDamaged(new byte[0]);
    }

    @Test
    void aShortSecretFileFailsNamingTheFile() throws Exception {
        assertDamaged(SessionIds.newSid().substring(0, 20).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aSecretFileOfZeroBytesLeftByACrashFailsNamingTheFileInsteadOfBeingUsed() throws Exception {
        // What a power cut can leave of a file whose data never reached the disk: its length, all zeros.
        assertDamaged(new byte[43]);
    }

    @Test
    void aSecretFileWithAHoleOfZerosFailsNamingTheFileInsteadOfBeingUsed() throws Exception {
        String sid = SessionIds.newSid();
        byte[] content = sid.getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(content, 10, 20, (byte) 0);
        assertDamaged(content);
    }

    @Test
    void aSecretFileHoldingStaleTextFromAnotherFileFailsNamingTheFileInsteadOfBeingUsed() throws Exception {
        // Some filesystems can expose another file's old blocks in a file that was not forced to disk.
        assertDamaged("2025-01-01 12:00:00 INFO  Started Application in 2.3 seconds\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aSecretFileWithBinaryGarbageFailsNamingTheFile() throws Exception {
        byte[] garbage = (SessionIds.newSid() + "\u0001\u00ff").getBytes(StandardCharsets.ISO_8859_1);
        assertDamaged(garbage);
    }

    @Test
    void aHandWrittenSecretWithATrailingNewlineIsAccepted() throws Exception {
        String secret = "a-secret-of-at-least-thirty-two-bytes!!";
        Files.writeString(directory.resolve(GeneratedSecret.FILE_NAME), secret + "\n");
        assertThat(GeneratedSecret.loadOrCreate(directory)).isEqualTo(secret);
    }

    @Test
    void processesStartingTogetherAllUseTheSecretThatWasKept() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 25; round++) {
                Path shared = directory.resolve("round-" + round);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> secrets = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    secrets.add(threads.submit(() -> {
                        start.await();
                        return GeneratedSecret.loadOrCreate(shared);
                    }));
                }
                start.countDown();
                String kept = null;
                for (Future<String> secret : secrets) {
                    String value = secret.get();
                    kept = kept == null ? Files.readString(shared.resolve(GeneratedSecret.FILE_NAME)) : kept;
                    assertThat(value).isEqualTo(kept);
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aDamagedSecretFileFailsStartupNamingTheFile() throws Exception {
        Path file = directory.toRealPath().resolve(GeneratedSecret.FILE_NAME);
        Files.write(file, new byte[43]);
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.filesystem.directory=" + directory).run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining(file.toString()).hasMessageContaining("damaged or incomplete");
                });
    }

    private void assertDamaged(byte[] content) throws Exception {
        Path file = directory.resolve(GeneratedSecret.FILE_NAME);
        Files.write(file, content);
        assertThatThrownBy(() -> GeneratedSecret.loadOrCreate(directory))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(String.valueOf(StashSettings.MIN_SECRET_BYTES))
                .hasMessageContaining("durable-stash.secret");
        assertThat(Files.readAllBytes(file)).as("left as it was").isEqualTo(content);
    }
}
