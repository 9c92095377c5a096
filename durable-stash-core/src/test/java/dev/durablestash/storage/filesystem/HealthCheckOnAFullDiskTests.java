package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.storage.Precondition;

/**
 * The health check fails on a full disk, where every write fails: an empty file needs no block, so the
 * check writes a byte. The root is on a small tmpfs mounted for the test and filled by a file beside it
 * (a real full disk); where the test may not mount one (not root, or a container that forbids it) it
 * is skipped, saying so.
 */
class HealthCheckOnAFullDiskTests {

    @TempDir
    Path temp;

    private static boolean toldSkipped;

    private Path disk;
    private boolean mounted;

    @BeforeEach
    void mountASmallDisk() throws Exception {
        disk = Files.createDirectories(temp.resolve("disk"));
        String output;
        try {
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk.toString())
                    .redirectErrorStream(true).start();
            output = new String(mount.getInputStream().readAllBytes()).trim();
            mounted = mount.waitFor() == 0;
        } catch (IOException noMountCommand) {
            output = noMountCommand.getMessage();
        }
        if (!mounted && !toldSkipped) {
            toldSkipped = true;
            System.out.println("Skipped HealthCheckOnAFullDiskTests: cannot mount a tmpfs here (" + output + ")");
        }
        assumeThat(mounted).as("a tmpfs mounted for the test").isTrue();
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor();
        }
    }

    private void fillTheDisk() throws IOException {
        try (FileChannel filler = FileChannel.open(disk.resolve("filler"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            while (true) {
                chunk.clear();
                try {
                    filler.write(chunk, filler.size());
                } catch (IOException full) {
                    return;
                }
            }
        }
    }

    @ParameterizedTest(name = "journal {0}")
    @ValueSource(booleans = {false, true})
    void theHealthCheckFailsOnAFullDiskAsWritesDo(boolean journal) throws Exception {
        Path root = disk.resolve("root");
        try (FileSystemStorageBackend backend = journal ? FileSystemStorageBackend.withJournal(root, 2)
                : new FileSystemStorageBackend(root, 2)) {
            await(backend.put("ns/a", new byte[10], Precondition.absent()));
            assertThat(failureOf(backend.check("ns/health"))).as("the check with room left").isNull();
            fillTheDisk();

            assertThat(failureOf(backend.put("ns/b", new byte[8192], Precondition.absent())))
                    .hasMessageContaining("No space left on device");
            assertThat(failureOf(backend.check("ns/health"))).as("the check on a disk where writes fail")
                    .hasMessageContaining("No space left on device");
        }
    }
    /**
     * A disk with no inode left, where the check's probe file cannot be created: the check's failure names that
     * cause. Seen failing on 41bf527 (review): a NoSuchFileException from deleting the probe file that was never
     * created hid it. The test's own tmpfs, of 64 inodes, is mounted inside the one of the class.
     */
    @Test
    void theHealthCheckOnADiskWithNoInodeLeftSaysSo() throws Exception {
        Path small = Files.createDirectories(disk.resolve("inodes"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m,nr_inodes=64", "tmpfs",
                small.toString()).redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes()).trim();
        assumeThat(mount.waitFor()).as("a tmpfs of 64 inodes mounted: " + output).isZero();
        try {
            Path root = small.resolve("root");
            try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, 2)) {
                assertThat(failureOf(backend.check("health"))).as("the check with inodes left").isNull();
                for (int i = 0; ; i++) {
                    try {
                        Files.createFile(small.resolve("f" + i));
                    } catch (IOException full) {
                        assertThat(full).hasMessageContaining("No space left on device");
                        break;
                    }
                }
                assertThat(failureOf(backend.check("health"))).as("the check with no inode left")
                        .hasMessageContaining("No space left on device");
            }
        } finally {
            new ProcessBuilder("umount", "-l", small.toString()).inheritIO().start().waitFor();
        }
    }
}
