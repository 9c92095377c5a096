package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
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
}
