package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import dev.durablestash.testsupport.FileSystemPools;

/** Behaviour of {@link FileSystemStorageBackend} beyond the shared backend contract. */
class FileSystemStorageBackendTests {

    @TempDir
    Path directory;

    private Path root;
    private FileSystemStorageBackend backend;

    @BeforeEach
    void createBackend() {
        root = directory.resolve("root");
        backend = new FileSystemStorageBackend(root);
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    private String put(FileSystemStorageBackend target, String key, String body) throws Exception {
        return ((PutResult.Written) await(target.put(key, utf8(body), Precondition.absent()))).etag();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "/", "../outside", "..", ".", "a/..", "a/../../outside",
            "a/./b", "a//b", "a/", "a\\b", "..\\outside", "C:\\Windows\\win.ini", "a\u0000b", "\u0000",
            "a\nb", "a\tb", "a\u007fb", "caf\u00e9", "a/\u2028/b"})
    void keysThatCouldEscapeTheRootOrAreNotPrintableAsciiAreRejectedAtOnce(String key) throws Exception {
        assertThatThrownBy(() -> backend.get(key, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid storage key " + KeyPaths.quote(key) + ": ");
        assertThatThrownBy(() -> backend.put(key, utf8("x"), Precondition.absent()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid storage key");
        assertThatThrownBy(() -> backend.delete(key, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid storage key");
        try (Stream<Path> outside = Files.list(directory)) {
            assertThat(outside).containsExactly(root);
        }
    }

    @Test
    void theDefaultPoolHasAtLeastEightThreadsForFsyncBoundWrites() {
        assertThat(FileSystemPools.poolThreads(backend))
                .isEqualTo(Math.max(8, Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void aPoolOfTheGivenSizeDoesTheIoAndIsShutDownByClose() throws Exception {
        String pool;
        try (FileSystemStorageBackend sized = new FileSystemStorageBackend(directory.resolve("sized"), 3)) {
            pool = FileSystemPools.poolPrefix(sized);
            assertThat(FileSystemPools.poolThreads(sized)).isEqualTo(3);
            put(sized, "a/b", "written by a pool of three");
            assertThat(((GetResult.Found) await(sized.get("a/b", null))).body())
                    .isEqualTo(utf8("written by a pool of three"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (FileSystemPools.liveThreads(pool) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // close() waited for the pool to terminate; its threads are exiting
        }
        assertThat(FileSystemPools.liveThreads(pool)).isZero();
        assertThatThrownBy(() -> new FileSystemStorageBackend(directory.resolve("none"), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be at least 1, was 0");
    }

    @Test
    void rejectionMessagesNameTheRuleAndEscapeControlCharacters() {
        assertThatThrownBy(() -> backend.get("a/../b", null))
                .hasMessage("Invalid storage key \"a/../b\": it has a '..' segment");
        assertThatThrownBy(() -> backend.get("/etc/passwd", null))
                .hasMessage("Invalid storage key \"/etc/passwd\": it is absolute (starts with '/')");
        assertThatThrownBy(() -> backend.get("a\u0000b", null))
                .hasMessage("Invalid storage key \"a\\u0000b\": it contains a control character at index 1");
        assertThatThrownBy(() -> backend.get("x".repeat(1025), null))
                .hasMessageEndingWith("it is longer than 1024 characters");
    }

    @Test
    void aKeyOfTheMaximumLengthAndOneWithAVeryLongSegmentRoundTrip() throws Exception {
        String longest = "p/" + "A".repeat(1022);
        String longSegment = "durable-stash/" + "Zz.".repeat(100);
        String sameLongPrefix = "durable-stash/" + "Zz.".repeat(99) + "Zz_";
        put(backend, longest, "longest");
        put(backend, longSegment, "long segment");
        put(backend, sameLongPrefix, "same long prefix");

        assertThat(((GetResult.Found) await(backend.get(longest, null))).body()).isEqualTo(utf8("longest"));
        assertThat(((GetResult.Found) await(backend.get(longSegment, null))).body())
                .isEqualTo(utf8("long segment"));
        assertThat(((GetResult.Found) await(backend.get(sameLongPrefix, null))).body())
                .isEqualTo(utf8("same long prefix"));
    }

    @Test
    void objectsAreStoredAsPlainFilesUnderEncodedNames() throws Exception {
        put(backend, "durable-stash/AbC_-x", "content");

        Path file = root.toRealPath().resolve("durable-stash").resolve("%41b%43_-x.obj");
        assertThat(backend.objectFile("durable-stash/AbC_-x")).isEqualTo(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(utf8("content"));
    }

    @Test
    void theRootDirectoryIsCreatedWhenMissingAndNamedByDescribe() throws Exception {
        Path nested = directory.resolve("a").resolve("b").resolve("c");
        try (FileSystemStorageBackend created = new FileSystemStorageBackend(nested)) {
            assertThat(nested).isDirectory();
            assertThat(created.describe()).isEqualTo("filesystem:" + nested.toRealPath());
            assertThat(created.root()).isEqualTo(nested.toRealPath());
        }
    }

    @Test
    void theHealthCheckCreatesTheKeysDirectoryAndLeavesNoFileBehind() throws Exception {
        await(backend.check("durable-stash/health-check"));

        assertThat(root.resolve("durable-stash")).isDirectory().isEmptyDirectory();
        try (Stream<Path> files = Files.list(root)) {
            assertThat(files.map((file) -> file.getFileName().toString())).containsExactlyInAnyOrder(".lock",
                    ".owner", "durable-stash");
        }
    }

    /** Tests may run as root, whom permissions do not stop: a regular file where a directory must be does. */
    @Test
    void theHealthCheckFailsWhileTheRootIsNoDirectoryAndSucceedsAgainOnceItIsBack() throws Exception {
        await(backend.check("durable-stash/health-check"));
        deleteRecursively(root);
        Files.writeString(root, "a file where the directory was");

        Throwable failure = requireFailure(backend.check("durable-stash/health-check"));
        assertThat(failure).isInstanceOf(StorageException.class)
                .hasMessageContaining("Filesystem check of key \"durable-stash/health-check\" in " + root)
                .hasMessageContaining("the root is no longer a directory");

        Files.delete(root);
        Throwable gone = requireFailure(backend.check("durable-stash/health-check"));
        assertThat(gone).hasMessageContaining("the root directory is gone");

        Files.createDirectory(root);
        await(backend.check("durable-stash/health-check"));
    }

    @Test
    void theHealthCheckFailsWhenTheKeysDirectoryCannotBeCreated() throws Exception {
        Files.writeString(root.resolve("durable-stash"), "a file where the prefix directory would be");

        assertThat(requireFailure(backend.check("durable-stash/health-check"))).isInstanceOf(StorageException.class)
                .hasMessageContaining("FileAlreadyExistsException");
    }

    private static void deleteRecursively(Path path) throws Exception {
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    @Test
    void objectsSurviveANewInstanceOnTheSameDirectory() throws Exception {
        String etag = put(backend, "durable-stash/session", "persisted");
        backend.close();

        backend = new FileSystemStorageBackend(root);
        GetResult.Found found = (GetResult.Found) await(backend.get("durable-stash/session", null));
        assertThat(found.body()).isEqualTo(utf8("persisted"));
        assertThat(found.etag()).isEqualTo(etag);
        assertThat(await(backend.put("durable-stash/session", utf8("next"), Precondition.matching(etag))))
                .isInstanceOf(PutResult.Written.class);
    }

    @Test
    void theETagIsStableForIdenticalContent() throws Exception {
        String first = put(backend, "one", "same bytes");
        String second = put(backend, "two", "same bytes");
        assertThat(second).isEqualTo(first);
        assertThat(first).hasSize(32).matches("[A-Za-z0-9_-]+");

        String other = ((PutResult.Written) await(
                backend.put("one", utf8("other bytes"), Precondition.matching(first)))).etag();
        assertThat(other).isNotEqualTo(first);
        String back = ((PutResult.Written) await(
                backend.put("one", utf8("same bytes"), Precondition.matching(other)))).etag();
        assertThat(back).isEqualTo(first);

        backend.close();
        backend = new FileSystemStorageBackend(root);
        assertThat(await(backend.get("one", first))).isInstanceOf(GetResult.NotModified.class);
    }

    @Test
    void writesLeaveNoTemporaryFilesBehind() throws Exception {
        String etag = put(backend, "durable-stash/a", "v0");
        for (int i = 1; i <= 5; i++) {
            etag = ((PutResult.Written) await(
                    backend.put("durable-stash/a", utf8("v" + i), Precondition.matching(etag)))).etag();
        }
        put(backend, "durable-stash/b", "b");
        await(backend.delete("durable-stash/b", null));

        try (Stream<Path> files = Files.walk(root)) {
            List<String> names = files.filter(Files::isRegularFile)
                    .map(path -> root.relativize(path).toString().replace('\\', '/'))
                    .sorted()
                    .collect(Collectors.toList());
            assertThat(names).containsExactly(".lock", ".owner", "durable-stash/a.obj");
        }
    }

    @Test
    void temporaryFilesLeftByACrashAreNotReadAsObjectsAndAreSwept() throws Exception {
        put(backend, "durable-stash/committed", "committed");
        Path committed = backend.objectFile("durable-stash/committed");
        Path leftover = KeyPaths.tempFile(committed, "00112233aabbccdd");
        Files.write(leftover, utf8("half-written garbage"));
        Path orphan = KeyPaths.tempFile(backend.objectFile("durable-stash/never-committed"), "0123456789abcdef");
        Files.write(orphan, utf8("{\"format\":1}"));
        // Younger than the hour of the sweep the backend started when it was created, which may still
        // be running on a busy machine: only this test's sweeps may delete it.
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofMinutes(45))));

        assertThat(((GetResult.Found) await(backend.get("durable-stash/committed", null))).body())
                .isEqualTo(utf8("committed"));
        assertThat(await(backend.get("durable-stash/never-committed", null))).isInstanceOf(GetResult.NotFound.class);

        assertThat(await(backend.deleteStaleTempFiles(Duration.ofMinutes(30)))).isEqualTo(1);
        assertThat(orphan).doesNotExist();
        assertThat(leftover).exists();
        assertThat(await(backend.deleteStaleTempFiles(Duration.ZERO))).isEqualTo(1);
        assertThat(leftover).doesNotExist();
        assertThat(((GetResult.Found) await(backend.get("durable-stash/committed", null))).body())
                .isEqualTo(utf8("committed"));
    }

    @Test
    void aNewInstanceSweepsTemporaryFilesOlderThanAnHourInTheBackground() throws Exception {
        put(backend, "durable-stash/committed", "committed");
        Path old = KeyPaths.tempFile(backend.objectFile("durable-stash/committed"), "00112233aabbccdd");
        Files.write(old, utf8("garbage"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path recent = KeyPaths.tempFile(backend.objectFile("durable-stash/committed"), "ffeeddccbbaa9988");
        Files.write(recent, utf8("garbage"));
        backend.close();

        backend = new FileSystemStorageBackend(root);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(old) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(old).doesNotExist();
        assertThat(recent).exists();
        assertThat(backend.objectFile("durable-stash/committed")).exists();
    }

    @Test
    void ioErrorsCompleteWithAStorageExceptionNamingOperationAndKey() throws Exception {
        String key = "durable-stash/blocked";
        Path file = backend.objectFile(key);
        Files.createDirectories(file);
        Files.write(file.resolve("something"), utf8("x"));

        assertThat(requireFailure(backend.get(key, null)))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("Filesystem get of key \"durable-stash/blocked\" in ");
        assertThat(requireFailure(backend.put(key, utf8("x"), Precondition.matching("etag"))))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("Filesystem put of key \"durable-stash/blocked\" in ");
        assertThat(requireFailure(backend.delete(key, null)))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("Filesystem delete of key \"durable-stash/blocked\" in ");
    }

    @Test
    void operationsAfterCloseFailWithAStorageException() throws Exception {
        put(backend, "k", "v");
        backend.close();
        backend.close();

        assertThat(requireFailure(backend.get("k", null)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("closed");
        assertThat(requireFailure(backend.put("k", utf8("w"), Precondition.absent())))
                .isInstanceOf(StorageException.class);
    }

    @Test
    void aGivenExecutorRunsTheFileIoAndIsLeftRunningOnClose() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger tasks = new AtomicInteger();
        Executor counting = task -> {
            tasks.incrementAndGet();
            pool.execute(task);
        };
        try (FileSystemStorageBackend custom = new FileSystemStorageBackend(directory.resolve("custom"), counting)) {
            int before = tasks.get();
            put(custom, "k", "v");
            await(custom.get("k", null));
            await(custom.delete("k", null));
            assertThat(tasks.get() - before).isEqualTo(3);
        } finally {
            assertThat(pool.isShutdown()).isFalse();
            pool.shutdown();
        }
    }
}
