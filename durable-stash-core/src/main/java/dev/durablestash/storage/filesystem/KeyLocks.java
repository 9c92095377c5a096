package dev.durablestash.storage.filesystem;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * Mutual exclusion per key for one root directory, across threads and across processes.
 *
 * <p>Design: keys are hashed onto {@value #STRIPES} stripes ({@link String#hashCode()}, which the
 * Java specification fixes, so every JVM picks the same stripe for a key). A stripe is guarded by
 * two locks taken in order:
 * <ol>
 * <li>a {@link ReentrantLock} shared by every backend instance in this JVM that uses the same root
 * (instances are counted in a static table keyed by the root's real path), and</li>
 * <li>an exclusive OS byte-range lock on byte {@code stripe} of the file {@value #LOCK_FILE_NAME}
 * in the root, which excludes other processes.</li>
 * </ol>
 * The in-JVM lock comes first because OS file locks belong to the whole process (two threads of
 * one JVM asking for the same region get an {@code OverlappingFileLockException}, not a wait).
 * One {@link FileChannel} per root is shared by all instances in the JVM, because on POSIX systems
 * closing any descriptor of a file drops every lock the process holds on it. Only one stripe is
 * ever held at a time, so there is no lock ordering to get wrong.
 *
 * <p>If an interrupt closes the shared channel, the next operation opens it again.
 */
final class KeyLocks {

    /** Number of stripes; part of the on-disk protocol between processes, never change it. */
    static final int STRIPES = 256;

    /** Name of the lock file in the root (starts with '.', which no encoded key can). */
    static final String LOCK_FILE_NAME = ".lock";

    /** Open lock tables by real root path; guarded by itself. */
    private static final Map<Path, KeyLocks> OPEN = new HashMap<>();

    private final Path root;
    private final Path lockFile;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    /** Guarded by {@link #OPEN}. */
    private int references;

    /** Guarded by {@code this}; {@code null} once released. */
    private @Nullable FileChannel channel;
    private boolean released;

    private KeyLocks(Path root) {
        this.root = root;
        this.lockFile = root.resolve(LOCK_FILE_NAME);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /**
     * Returns the lock table of a root, shared with other instances of this JVM. Each call must be
     * paired with one {@link #release()}.
     *
     * @param realRoot the root directory's real path
     * @return the shared lock table
     * @throws IOException when the lock file cannot be opened
     */
    static KeyLocks acquire(Path realRoot) throws IOException {
        synchronized (OPEN) {
            KeyLocks locks = OPEN.get(realRoot);
            if (locks == null) {
                locks = new KeyLocks(realRoot);
                locks.channel();
                OPEN.put(realRoot, locks);
            }
            locks.references++;
            return locks;
        }
    }

    /** Gives up one reference; the last one closes the lock file. */
    void release() {
        synchronized (OPEN) {
            if (--references > 0) {
                return;
            }
            OPEN.remove(root);
        }
        synchronized (this) {
            released = true;
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // Nothing useful to do: the locks die with the descriptor either way.
                }
                channel = null;
            }
        }
    }

    /**
     * Runs an action while holding the key's stripe, in this JVM and in the lock file.
     *
     * @param key the key
     * @param action what to do
     * @param <T> the action's result type
     * @return the action's result
     * @throws IOException from the action, or when the file lock cannot be taken
     */
    <T> T locked(String key, IoAction<T> action) throws IOException {
        int stripe = Math.floorMod(key.hashCode(), STRIPES);
        ReentrantLock lock = stripes[stripe];
        lock.lock();
        try {
            FileLock fileLock = lockRegion(stripe);
            try {
                return action.run();
            } finally {
                releaseQuietly(fileLock);
            }
        } finally {
            lock.unlock();
        }
    }

    private FileLock lockRegion(int stripe) throws IOException {
        try {
            return channel().lock(stripe, 1, false);
        } catch (ClosedChannelException e) {
            // Another thread's interrupt closed the shared channel while we waited: reopen once.
            return channel().lock(stripe, 1, false);
        }
    }

    private static void releaseQuietly(FileLock fileLock) {
        try {
            fileLock.release();
        } catch (ClosedChannelException e) {
            // The channel was closed (interrupt): the OS dropped the lock with it.
        } catch (IOException e) {
            // Releasing failed; closing the channel later drops the lock. The action's outcome
            // stands: it was applied.
        }
    }

    private synchronized FileChannel channel() throws IOException {
        if (released) {
            throw new ClosedChannelException();
        }
        FileChannel current = channel;
        if (current == null || !current.isOpen()) {
            current = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            channel = current;
        }
        return current;
    }

    /** A piece of blocking file I/O. */
    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException;
    }
}
