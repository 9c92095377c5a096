package dev.durablestash.storage.filesystem;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;

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
 * <p>For the same reason the shared channel is closed only by the last {@link #release()}, and no
 * interruptible call is ever made on it: {@link FileChannel#lock(long, long, boolean)} closes the
 * channel when its thread is interrupted while it waits, which would drop the locks of every other
 * thread of the process in the middle of their compare-and-swap and let other processes in. A stripe's
 * file lock is therefore taken by polling {@link FileChannel#tryLock(long, long, boolean)}, which
 * neither blocks nor reacts to interrupts (nor does {@link FileLock#release()}); an interrupted thread
 * stops waiting with a {@link FileLockInterruptionException}, as from {@code lock}, but the channel
 * stays open and the thread keeps its interrupt status. The backend keeps the channel open until its
 * operations in progress are finished (see {@code FileSystemStorageBackend.close()}); a caller that is
 * closing stops polling and fails instead (see {@link #locked}), so that another process that never
 * releases a lock cannot keep it waiting.
 */
final class KeyLocks {

    /** Number of stripes; part of the on-disk protocol between processes, never change it. */
    static final int STRIPES = 256;

    /**
     * Name of the file in the root whose lock says who uses the root; part of the on-disk protocol.
     * A file of its own, opened once and used for nothing else: on POSIX systems closing any
     * descriptor of a file drops every lock the process holds on it.
     */
    static final String OWNER_FILE_NAME = ".owner";

    /** Name of the lock file in the root (starts with '.', which no encoded key can). */
    static final String LOCK_FILE_NAME = ".lock";

    /**
     * Pauses between two attempts to take a file lock another process holds: from the first, each
     * pause doubles, up to the fast cap for the first {@link #FAST_POLLING_NANOS} of a wait, then up
     * to the slow cap. Nothing wakes a waiter when the other process releases the lock, so the pause
     * is what a hand-over costs, and a waiter gets in only if it tries between two of the other
     * process's operations. Two processes of 4 threads each holding one key's lock 1 ms at a time (a
     * local experiment on 2 cores) saw longest waits of 42 to 318 ms with pauses of 50 us to 5 ms, 29
     * to 113 ms with these, and 15 to 72 ms with the blocking lock used before polling. A wait past the
     * fast part means a slow or hung holder; an attempt costs CPU (a wait at the fast cap about 9% of a
     * core), so the slow cap keeps a long wait cheap.
     */
    private static final long MIN_LOCK_PAUSE_NANOS = 20_000;
    private static final long FAST_LOCK_PAUSE_NANOS = 250_000;
    private static final long FAST_POLLING_NANOS = 100_000_000;
    private static final long SLOW_LOCK_PAUSE_NANOS = 5_000_000;

    /**
     * How long an opening plain backend waits for another process that holds the ownership lock
     * exclusively: a plain backend opening at the same moment holds it for its check of a journal left
     * behind (a replay, when one is there), then shares it.
     */
    private static final long OWNER_WAIT_NANOS = 10_000_000_000L;
    private static final long OWNER_POLL_NANOS = 10_000_000;

    /** Open lock tables by real root path; guarded by itself. */
    private static final Map<Path, KeyLocks> OPEN = new HashMap<>();
    /** By real root path: see {@link #rootMonitor}. Guarded by {@link #OPEN}. */
    private static final Map<Path, Object> ROOT_MONITORS = new HashMap<>();

    private final Path root;
    private final Path lockFile;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    /** Readers and in-place writers of files, for {@link #reading} and {@link #writing}. */
    private final ReentrantReadWriteLock[] contents = new ReentrantReadWriteLock[STRIPES];

    /** Guarded by {@link #OPEN}. */
    private int references;
    /** Whether one backend has the root to itself (it has a journal): no per-key file locks then. */
    private final boolean exclusive;
    /** The channel of {@link #OWNER_FILE_NAME} holding the ownership lock; guarded by {@code this}. */
    private @Nullable FileChannel ownerChannel;

    /** Guarded by {@code this}; {@code null} once released. */
    private @Nullable FileChannel channel;
    private boolean released;

    private KeyLocks(Path root, boolean exclusive) {
        this.root = root;
        this.exclusive = exclusive;
        this.lockFile = root.resolve(LOCK_FILE_NAME);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
            contents[i] = new ReentrantReadWriteLock();
        }
    }

    /**
     * Returns the lock table of a root, shared with other instances of this JVM, or, with
     * {@code exclusive}, one for this instance alone. Each call must be paired with one
     * {@link #release()}.
     *
     * <p>Who uses a root is itself a lock, on the file {@value #OWNER_FILE_NAME}: shared by
     * the processes whose backends share the root, exclusive for the one process whose backend has a
     * journal (which then takes no lock per key in the file: nobody else writes). The first instance
     * in this JVM takes it; {@code whileAlone} runs while this process holds it exclusively, before
     * a shared holder lowers it to shared (so no other process writes meanwhile); when another
     * process shares the root, {@code whileAlone} does not run.
     *
     * @param realRoot the root directory's real path
     * @param exclusive whether the caller must have the root to itself
     * @param whileAlone what to do once the root is this process's alone (replay a journal)
     * @return the lock table
     * @throws IOException when the lock file cannot be opened, the root is in use in a way that
     *     excludes this use, or {@code whileAlone} fails
     */
    static KeyLocks acquire(Path realRoot, boolean exclusive, IoAction<?> whileAlone) throws IOException {
        // Under the root's own monitor, not OPEN's: taking ownership may wait for another process (or
        // replay a journal), and backends of other roots must not wait for that.
        synchronized (rootMonitor(realRoot)) {
            synchronized (OPEN) {
                KeyLocks locks = OPEN.get(realRoot);
                if (locks != null) {
                    if (exclusive || locks.exclusive) {
                        throw new IOException(inUse(realRoot, "another backend of this process"));
                    }
                    locks.references++;
                    return locks;
                }
            }
            KeyLocks locks = new KeyLocks(realRoot, exclusive);
            try {
                locks.channel();
                locks.takeOwnership(whileAlone);
            } catch (IOException | RuntimeException e) {
                locks.closeChannel();
                throw e;
            }
            synchronized (OPEN) {
                locks.references = 1;
                OPEN.put(realRoot, locks);
            }
            return locks;
        }
    }

    /** @return the monitor under which a root's lock table is opened and closed (one per root ever used) */
    private static Object rootMonitor(Path realRoot) {
        synchronized (OPEN) {
            return ROOT_MONITORS.computeIfAbsent(realRoot, (root) -> new Object());
        }
    }

    private synchronized void takeOwnership(IoAction<?> whileAlone) throws IOException {
        FileChannel open = OwnerOnly.open(root.resolve(OWNER_FILE_NAME), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        ownerChannel = open;
        FileLock alone = open.tryLock(0, 1, false);
        if (alone != null) {
            try {
                whileAlone.run();
            } catch (IOException | RuntimeException e) {
                releaseQuietly(alone);
                throw e;
            }
            if (exclusive) {
                return;
            }
            alone.release();
        } else if (exclusive) {
            throw new IOException(inUse(root, "another process"));
        }
        shareOwnership(open);
    }

    /**
     * Takes the ownership lock shared. Another process holding it exclusively may be a plain backend
     * opening the root at the same moment, alone for its check of a journal left behind, which then
     * lowers it to shared: that is waited for, up to {@link #OWNER_WAIT_NANOS}. One that holds it longer
     * has a journal (or hangs in that check).
     */
    private void shareOwnership(FileChannel open) throws IOException {
        long deadline = System.nanoTime() + OWNER_WAIT_NANOS;
        while (open.tryLock(0, 1, true) == null) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(inUse(root, "another process whose filesystem backend has a journal (or "
                        + "that has checked it alone for over " + OWNER_WAIT_NANOS / 1_000_000_000 + " s)"));
            }
            LockSupport.parkNanos(OWNER_POLL_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new FileLockInterruptionException();
            }
        }
    }

    private static String inUse(Path root, String user) {
        return "the directory " + root + " is in use by " + user + ", and a filesystem backend with a "
                + "journal needs its directory to itself";
    }

    /** Gives up one reference; the last one closes the lock file. */
    void release() {
        synchronized (rootMonitor(root)) { // so that a new table for the root opens after this one closed
            synchronized (OPEN) {
                if (--references > 0) {
                    return;
                }
                OPEN.remove(root);
            }
            closeChannel();
        }
    }

    private synchronized void closeChannel() {
        released = true;
        if (ownerChannel != null) {
            try {
                ownerChannel.close();
            } catch (IOException e) {
                // The lock dies with the descriptor either way.
            }
            ownerChannel = null;
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Nothing useful to do: the locks die with the descriptor either way.
            }
            channel = null;
        }
    }

    /**
     * Runs an action while holding the key's stripe, in this JVM and (unless the root is this
     * backend's alone) in the lock file.
     *
     * <p>{@code closing} is asked each time the stripe's file lock is found held by another process:
     * once it answers {@code true}, the call stops waiting and fails with a
     * {@link ClosedWhileWaitingException}, so that a process that never releases the lock (one that
     * hung) cannot keep a backend's close() waiting. A call that has the file lock runs its action
     * whatever {@code closing} says, and so does one that finds it free.
     *
     * @param key the key
     * @param closing whether the caller is closing
     * @param action what to do
     * @param <T> the action's result type
     * @return the action's result
     * @throws ClosedWhileWaitingException when {@code closing} answered {@code true} while another
     *     process held the file lock
     * @throws IOException from the action, or when the file lock cannot be taken
     */
    <T> T locked(String key, BooleanSupplier closing, IoAction<T> action) throws IOException {
        int stripe = Math.floorMod(key.hashCode(), STRIPES);
        ReentrantLock lock = stripes[stripe];
        lock.lock();
        try {
            if (exclusive) {
                return action.run();
            }
            FileLock fileLock = lockRegion(stripe, closing);
            try {
                return action.run();
            } finally {
                releaseQuietly(fileLock);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs a read of a key's file while no {@link #writing} of a key on its stripe runs: for a root
     * whose files are overwritten in place (a backend with a journal), where a reader must not see a
     * half-written body. Independent of {@link #locked}, so a read does not wait for a write that
     * holds its key's lock while it waits for the journal.
     */
    <T> T reading(String key, IoAction<T> action) throws IOException {
        return holding(contents[Math.floorMod(key.hashCode(), STRIPES)].readLock(), action);
    }

    /** Runs an in-place change of a key's file while no {@link #reading} of a key on its stripe runs. */
    <T> T writing(String key, IoAction<T> action) throws IOException {
        return holding(contents[Math.floorMod(key.hashCode(), STRIPES)].writeLock(), action);
    }

    private static <T> T holding(Lock lock, IoAction<T> action) throws IOException {
        lock.lock();
        try {
            return action.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the file lock of a stripe, waiting while another process holds it, without any call that
     * an interrupt makes close the shared channel (see the class description).
     *
     * @throws FileLockInterruptionException when the thread is interrupted before it has the lock (its
     *     interrupt status stays set)
     * @throws ClosedWhileWaitingException when {@code closing} answers {@code true} while another
     *     process holds the lock
     * @throws ClosedChannelException when the lock table was released
     */
    private FileLock lockRegion(int stripe, BooleanSupplier closing) throws IOException {
        long pause = MIN_LOCK_PAUSE_NANOS;
        long slowFrom = System.nanoTime() + FAST_POLLING_NANOS;
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new FileLockInterruptionException();
            }
            FileLock fileLock = channel().tryLock(stripe, 1, false);
            if (fileLock != null) {
                return fileLock;
            }
            if (closing.getAsBoolean()) {
                throw new ClosedWhileWaitingException();
            }
            LockSupport.parkNanos(pause); // returns at once on an interrupt, seen above
            long cap = System.nanoTime() - slowFrom < 0 ? FAST_LOCK_PAUSE_NANOS : SLOW_LOCK_PAUSE_NANOS;
            pause = Math.min(pause * 2, cap);
        }
    }

    private static void releaseQuietly(FileLock fileLock) {
        try {
            fileLock.release();
        } catch (ClosedChannelException e) {
            // The channel was closed (released): the OS dropped the lock with it.
        } catch (IOException e) {
            // Releasing failed; closing the channel later drops the lock. The action's outcome
            // stands: it was applied.
        }
    }

    /**
     * @return the shared channel of the lock file, opened by the first call
     * @throws ClosedChannelException once the lock table was released
     */
    private synchronized FileChannel channel() throws IOException {
        if (released) {
            throw new ClosedChannelException();
        }
        FileChannel current = channel;
        if (current == null) {
            current = OwnerOnly.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            channel = current;
        }
        return current;
    }

    /**
     * Thrown by {@link #locked} when its caller started closing while another process held the
     * stripe's file lock: the action did not run.
     */
    static final class ClosedWhileWaitingException extends IOException {
        private static final long serialVersionUID = 1L;

        ClosedWhileWaitingException() {
            super("closed while waiting for a file lock that another process holds");
        }
    }

    /** A piece of blocking file I/O. */
    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException;
    }
}
