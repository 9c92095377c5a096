package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;

/**
 * What the filesystem backend creates (its root, key directories, documents, lock files, the journal and its
 * segments) is readable by its owner only, whatever the process's umask: documents hold session state. Seen
 * failing before (from a review): directories rwxr-xr-x and documents rw-r--r-- under a umask of 022.
 */
class OwnerOnlyFilesTests {

    @TempDir
    Path parent;

    @Test
    void aPlainBackendCreatesEverythingOwnerOnly() throws Exception {
        Path root = parent.resolve("sessions");
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root)) {
            writeAndOverwrite(backend);
            assertOwnerOnly(root);
        }
    }

    @Test
    void aBackendWithAJournalCreatesEverythingOwnerOnly() throws Exception {
        Path root = parent.resolve("journaled");
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root)) {
            writeAndOverwrite(backend);
            assertOwnerOnly(root);
        }
    }

    private static void writeAndOverwrite(FileSystemStorageBackend backend) throws Exception {
        String etag = ((dev.durablestash.storage.PutResult.Written) await(backend.put("a/b/doc",
                "secret state".getBytes(StandardCharsets.UTF_8), Precondition.absent()))).etag();
        await(backend.put("a/b/doc", "newer state".getBytes(StandardCharsets.UTF_8), Precondition.matching(etag)));
        await(backend.put("other", "more state".getBytes(StandardCharsets.UTF_8), Precondition.absent()));
    }

    private static void assertOwnerOnly(Path root) throws IOException {
        assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        List<Path> created;
        try (Stream<Path> walk = Files.walk(root)) {
            created = walk.toList();
        }
        assertThat(created).as("files the backend created").filteredOn(Files::isRegularFile).hasSizeGreaterThan(2);
        Map<Path, String> permissions = created.stream().collect(Collectors.toMap(Function.identity(), (path) -> {
            try {
                return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }));
        assertThat(permissions).allSatisfy((path, mode) -> assertThat(mode).as(path.toString())
                .isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------"));
    }
    /**
     * The health check's probe file (written and deleted at once) is owner-only too: a thread lists the root while
     * checks run until it has seen one. Seen failing before (review): rw-r--r--.
     */
    @Test
    void theHealthChecksProbeFileIsOwnerOnly() throws Exception {
        Path root = parent.resolve("probed");
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root)) {
            assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            Thread watcher = new Thread(() -> {
                while (!stop.get()) {
                    try (Stream<Path> listed = Files.list(root)) {
                        listed.filter((path) -> path.getFileName().toString().startsWith("health-check")).forEach((path) -> {
                            try {
                                seen.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
                            } catch (IOException deletedMeanwhile) {
                                // the check deleted it
                            }
                        });
                    } catch (IOException | UncheckedIOException listingRace) {
                        // a file deleted while listed
                    }
                }
            });
            watcher.start();
            try {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (seen.isEmpty() && System.nanoTime() - end < 0) {
                    await(backend.check("health-check"));
                }
            } finally {
                stop.set(true);
                watcher.join();
            }
            assertThat(seen).as("permissions of the probe files seen").containsExactly("rw-------");
        }
    }

    /**
     * The missing parents of a missing root are created as the file system creates directories (they may be
     * shared, such as /srv/app), the root owner-only. Seen failing before (review): every parent rwx------.
     */
    @Test
    void theMissingParentsOfTheRootAreCreatedAsAnyDirectory() throws Exception {
        Path root = parent.resolve("x/y/sessions");
        Path plain = Files.createDirectory(parent.resolve("plain"));
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root)) {
            assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
            String asAnyDirectory = PosixFilePermissions.toString(Files.getPosixFilePermissions(plain));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(parent.resolve("x"))))
                    .isEqualTo(asAnyDirectory);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(parent.resolve("x/y"))))
                    .isEqualTo(asAnyDirectory);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        }
    }
    /**
     * A root given with a "." at its end: the directory it names is created owner-only. Seen failing on 41bf527
     * (review): "sessions/." left sessions rwxr-xr-x.
     */
    @Test
    void aRootNamedWithADotIsCreatedOwnerOnly() throws Exception {
        assumeTrue(parent.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(parent.resolve("one").resolve("."))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(parent.resolve("one"))))
                    .isEqualTo("rwx------");
        }
    }
}
