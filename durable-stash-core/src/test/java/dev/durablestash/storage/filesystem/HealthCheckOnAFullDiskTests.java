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
}
