package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.StorageException;

/**
 * Tests of who may use a root across processes: the ownership byte of the lock file, held
 * shared by backends without journal and exclusively by one with a journal. The other process is a
 * child JVM running {@link Child} on this JVM's class path.
 */
class FileSystemOwnershipAcrossProcessesTests {

    @TempDir
    Path root;

    /** Opens a backend (journal or plain) on a root, says "OPEN" or "FAIL <message>", holds it until stdin closes. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path directory = Path.of(args[1]);
            FileSystemStorageBackend backend;
            try {
                backend = args[0].equals("journal") ? FileSystemStorageBackend.withJournal(directory, 2)
                        : new FileSystemStorageBackend(directory, 2);
            } catch (StorageException e) {
                System.out.println("FAIL " + e.getMessage());
                System.out.flush();
                return;
            }
            System.out.println("OPEN");
            if (args.length > 2) { // a key to write, then "WROTE"
                dev.durablestash.testsupport.Stages.await(backend.put(args[2], args[3].getBytes(StandardCharsets.UTF_8),
                        Precondition.absent()));
                System.out.println("WROTE");
            }
            System.out.flush();
            while (System.in.read() >= 0) {
                // held until the parent closes our stdin
            }
            backend.close();
        }
    }

    private Process child(String mode, String... write) throws Exception {
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(javaCommand, "-cp",
                System.getProperty("java.class.path"), Child.class.getName(), mode, root.toString()));
        command.addAll(java.util.List.of(write));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String firstLine(Process process) throws Exception {
        return lines(process, 1);
    }

    private static String lines(Process process, int count) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String line = out.readLine();
            lines.append(i == 0 ? "" : " ").append(line == null ? "<nothing>" : line);
        }
        return lines.toString();
    }

    private static void stop(Process process) throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Test
    @SuppressWarnings("try") // the plain backend holds the root for its try block, which does not use it
    void aJournalInAnotherProcessKeepsPlainBackendsOutAndTheReverse() throws Exception {
        Process journaled = child("journal");
        try {
            assertThat(firstLine(journaled)).isEqualTo("OPEN");
            assertThatThrownBy(() -> new FileSystemStorageBackend(root)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use by another process whose filesystem backend has a journal");
        } finally {
            stop(journaled);
        }
        try (FileSystemStorageBackend plain = new FileSystemStorageBackend(root)) {
            Process second = child("journal");
            try {
                assertThat(firstLine(second)).startsWith("FAIL").contains("needs its directory to itself");
            } finally {
                stop(second);
            }
            Process sharing = child("plain");
            try {
                assertThat(firstLine(sharing)).isEqualTo("OPEN");
            } finally {
                stop(sharing);
            }
        }
    }

    /**
     * An interrupt while a plain backend waits for a key's file lock fails that operation only: it once
     * closed the shared lock channel, which dropped the process's shared hold on the ownership byte, so
     * that another process could open the root with a journal while this plain backend was open (the
     * lock channel is no longer closed by an interrupt: see {@code CrossProcessLockInterruptTests}).
     */
    @Test
    void anInterruptedPlainBackendStillKeepsAJournalOfAnotherProcessOut() throws Exception {
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool();
        try (FileSystemStorageBackend plain = new FileSystemStorageBackend(root, pool)) {
            await(plain.put("ns/a", utf8("one"), Precondition.absent()));
            pool.interruptTheNextTask();
            assertThatThrownBy(() -> await(plain.put("ns/b", utf8("two"), Precondition.absent())))
                    .hasStackTraceContaining("FileLockInterruptionException");
            Process journaled = child("journal");
            try {
                assertThat(firstLine(journaled)).as("another process opening the root with a journal")
                        .startsWith("FAIL");
            } finally {
                stop(journaled);
            }
        } finally {
            ((ExecutorService) pool).shutdown();
        }
    }

    /**
     * The consequence of the lost hold: a process with a journal writes a key and is killed (its
     * journal stays), the plain backend here writes the key again (acknowledged; taking its shared
     * hold again replays nothing), and the next backend that has the root to itself replays the
     * killed process's older record over that newer acknowledged write.
     */
    @Test
    void aJournalLeftByAnotherProcessIsNeverReplayedOverANewerAcknowledgedWrite() throws Exception {
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool();
        try (FileSystemStorageBackend plain = new FileSystemStorageBackend(root, pool)) {
            await(plain.get("ns/a", null));
            pool.interruptTheNextTask();
            assertThatThrownBy(() -> await(plain.put("ns/b", utf8("two"), Precondition.absent())))
                    .hasStackTraceContaining("FileLockInterruptionException");
            Process journaled = child("journal", "ns/a", "older, from the journal");
            try {
                // Before the fix it opened, wrote and left its journal to be replayed later.
                assertThat(lines(journaled, 1)).startsWith("FAIL").contains("needs its directory to itself");
            } finally {
                journaled.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            await(plain.put("ns/a", utf8("newer, acknowledged"), Precondition.absent()));
        } finally {
            pool.shutdown();
        }
        try (FileSystemStorageBackend next = new FileSystemStorageBackend(root)) {
            assertThat(new String(((dev.durablestash.storage.GetResult.Found) await(next.get("ns/a", null))).body(),
                    StandardCharsets.UTF_8)).isEqualTo("newer, acknowledged");
        }
    }
}
