package dev.durablestash.storage.filesystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;

/*
 * Design. This class is the compare-and-swap: put and delete read the current ETag and write under the
 * key's lock (KeyLocks: a JVM lock plus an OS byte-range lock). Beside it: KeyPaths maps keys to files,
 * DurableFiles does the file operations (ETag of a content, atomic durable replace, directories), and,
 * for a backend with a journal, Journal makes writes durable by group commit (see its design comment).
 */
/**
 * The embedded default {@link StorageBackend}: one file per key under a root directory on the local
 * filesystem. For one machine; the state survives restarts and {@code kill -9}.
 *
 * <h2>Layout</h2>
 * A key is split at {@code '/'}: the leading segments become sub-directories, the last one a file
 * named {@code <segment>.obj}. Every segment is encoded so that it is a safe, unique file name on
 * any filesystem: {@code a-z 0-9 - _} are kept, everything else (upper-case letters too, so keys
 * differing only in case never collide on a case-insensitive filesystem) becomes {@code %XX}.
 * For example {@code durable-stash/AbC_-x} is stored in {@code <root>/durable-stash/%41b%43_-x.obj}.
 * Very long segments are shortened with a SHA-256 suffix; an object whose path was shortened has
 * its key in a file beside it, {@code <name>.obj.key}, written (when missing) before the object and
 * deleted after it, so that {@link #listKeys} can name it. The root also holds two lock files,
 * {@code .lock} (the per-key locks) and {@code .owner} (who uses the root: see "Journal").
 *
 * <h2>Keys</h2>
 * Keys are at most 1,024 characters of printable ASCII. A key can never name a file outside the
 * root: keys that are empty, absolute (leading {@code '/'}), contain a backslash, a control or NUL
 * character or non-ASCII, or have an empty, {@code "."} or {@code ".."} segment are rejected at
 * once with an {@link IllegalArgumentException} that names the key.
 *
 * <h2>Writes</h2>
 * A {@code put} writes the body to a temporary file in the target's directory (named
 * {@code <segment>.obj.<random>.tmp}), forces it to disk, moves it over the target with
 * {@link StandardCopyOption#ATOMIC_MOVE}, then forces the directory (on systems that support
 * it; not on Windows). Readers see either the old or the new content, never a mix, and an
 * acknowledged write survives a crash of the process or the machine (as far as the disk honours
 * {@code fsync}). Temporary files that a crash leaves behind are never read as objects; those
 * older than an hour are deleted by a sweep started in the background when the backend is created
 * (see {@link #deleteStaleTempFiles(Duration)}). Emptied directories are kept. Files and directories the
 * backend creates (the root too, when it is missing, but not its missing parents) are readable by their
 * owner only, on a file system with POSIX permissions: {@code rw-------} and {@code rwx------}, whatever
 * the process's umask. Existing directories keep their permissions, and so do existing documents written
 * in place by a backend with a journal (without one, a write makes a new file); to tighten what an
 * earlier version created, {@code chmod -R go= <root>}.
 *
 * <h2>ETags and compare-and-swap</h2>
 * The ETag is a hash of the content: the first 32 characters of the base64url SHA-256 (192 bits).
 * Different bodies get different ETags; identical bodies get the same ETag (allowed by the
 * contract), also across instances and restarts. Conditional puts and deletes hold a per-key lock
 * across reading the current ETag and writing, so compare-and-swap is exact among all threads and
 * all instances of this class in one JVM that share a root directory. The per-key lock also takes
 * an OS byte-range lock in the root's lock file ({@link FileChannel#tryLock(long, long, boolean)},
 * retried while another process holds it; an interrupt fails the operation that waits, and never
 * releases a lock another thread of the process holds),
 * which makes compare-and-swap exact between processes on the same machine as well, on local
 * filesystems whose file locks work (not guaranteed on network filesystems such as NFS or SMB).
 * The per-key locks are tested within one JVM and between two processes, as is the ownership of the
 * root (see "Journal"). Reads take no lock: the atomic
 * move makes them consistent. Locks belong to a root directory, so do not point two backends at
 * nested directories (one root inside the other): their keys could name the same files under
 * different locks.
 *
 * <h2>Journal</h2>
 * A backend created by {@link #withJournal(Path)} makes writes durable together: each put or delete
 * appends a record (the key and the whole new body, or the deletion) to a journal in
 * {@code <root>/.journal/}, and one thread writes every record waiting and forces the journal once
 * for all of them (group commit); only then is the object file overwritten in place, without
 * {@code fsync} (no temporary file, no rename), and the write acknowledged; a read of a file waits while
 * a file of its lock stripe is being overwritten (never for the journal), so it still sees a whole body,
 * the old or the new. A write whose file change fails after its record is durable is what reads of its
 * key answer from then on, and the next write of the key (or the checkpoint) finishes it: a failed
 * write may have been applied, as the contract allows. {@link #check} fails while the journal cannot
 * write or its checkpoint failed twice in a row. Under concurrent writes of many keys one {@code fsync} thus covers many
 * writes, where the plain backend forces each write's file and directory. On open, whatever an
 * earlier process left in the journal is replayed in order (a record a crash cut short is ignored:
 * it was never acknowledged). Segments of 64 MiB are dropped once the object files they name are
 * forced; a clean {@link #close()} drops the last one. Compare-and-swap, ETags and the layout stay
 * as described above. The root must be this backend's alone: while it is open, no
 * other backend (in this process or another) can open the directory, and it cannot open one that
 * another backend uses. Since nothing else changes its files, it keeps the ETags of the last 10,000
 * or so keys it read or wrote in memory, and a revalidating get or a conditional put of such a key
 * reads no file (files changed behind its back, which the layout does not allow, go unseen); a get
 * those ETags answer (not modified, or not found for a key known to have no object) completes at once
 * on the caller's thread. A backend without a journal that opens a directory nobody else uses replays
 * a journal left there, so turning the journal off loses nothing.
 *
 * <h2>Threads and errors</h2>
 * Every method returns at once; the blocking file I/O runs on the backend's executor, which also
 * completes the returned stages (but for the gets a journal's known ETags answer, see above). By
 * default that is a fixed pool of {@code max(8, processors)} daemon threads owned by this backend and
 * shut down by {@link #close()} (writes spend most of their time waiting for {@code fsync}, and a
 * disk forces concurrent writes faster than one after another, so the pool is larger than the number
 * of cores), or of the size given to {@link #FileSystemStorageBackend(Path, int)}; alternatively pass
 * your own bounded executor (which {@code close()} leaves running). I/O errors complete the stage with
 * a {@link StorageException} naming the operation, the key and the root. After {@code close()},
 * operations complete with a {@code StorageException}, and so do those waiting for a key's lock that
 * another process holds when it starts (see {@link #close()}).
 *
 * <p>Thread-safe.
 */
public final class FileSystemStorageBackend implements StorageBackend, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileSystemStorageBackend.class);
    private static final Duration STALE_TEMP_AGE = Duration.ofHours(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** What the health check writes: one byte, which needs a block of the disk (see {@link #check}). */
    private static final byte[] PROBE_BYTE = {0};
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
    /**
     * The backend whose operation the current thread runs, or whose stage it completes (the stage's
     * callbacks run there), if any: see {@link #close()}.
     */
    private static final ThreadLocal<FileSystemStorageBackend> RUNNING = new ThreadLocal<>();
    /**
     * The default pool's least size. On a 2-core machine with a virtual disk, this backend alone
     * (the benchmarks' {@code FileSystemFloor}, 64 callers) did about 1.3 times the durable puts per
     * second with 8 threads as with 2; the bare sequence of a put (write, fsync, rename, fsync of the
     * directory) did 2,180 per second on 2 threads, 3,384 on 8 and 2,545 on 32.
     */
    private static final int MIN_POOL_THREADS = 8;
    /**
     * The default pool's least size with a journal, where a write holds its thread while it waits
     * for the journal's {@code fsync}: so many writes can share one.
     */
    private static final int MIN_JOURNAL_POOL_THREADS = 64;

    private final Path root;
    private final Executor executor;
    private final @Nullable ExecutorService ownedExecutor;
    private final KeyLocks locks;
    private final SecureRandom random = new SecureRandom();
    private final DurableFiles files;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Guards the counts of operations and {@link #abandoned}, and the setting of {@link #closed}, so that
     * no operation is submitted once {@link #close()} waits for those submitted.
     */
    private final Object operations = new Object();
    /** Operations submitted to the executor and not finished; guarded by {@link #operations}. */
    private int submitted;
    /** Of those, the ones whose action runs (and may hold a file lock); guarded by {@link #operations}. */
    private int running;
    /**
     * Set by a {@link #close()} whose wait for the operations timed out: operations that have not started
     * fail when they do, and the last running one releases the lock file. Guarded by {@link #operations}.
     */
    private boolean abandoned;
    /** Whether the lock file was released; guarded by {@link #operations}. */
    private boolean released;
    /** The thread that finishes a {@link #close()} called on one of this backend's tasks, if any. */
    private volatile @Nullable Thread closer;
    /**
     * For tests: run by each put under its key's lock, between the check of its precondition and the
     * write, to hold a compare-and-swap in progress; {@code null} otherwise.
     */
    volatile @Nullable Consumer<String> insideCompareAndSwapForTests;
    private final @Nullable Journal journal;
    /**
     * With a journal: writes the journal made durable whose file change then failed (an empty
     * optional for a deletion), by key; changed only while holding the key's lock and its stripe's
     * write lock, read under either.
     */
    private final Map<String, Optional<byte[]>> unapplied = new ConcurrentHashMap<>();
    /**
     * With a journal, whose directory is this backend's alone: each key's current ETag ({@link #NO_OBJECT}
     * for none), as the last read of its file or change to it under its stripe's lock found or left it,
     * so that a revalidating get and a conditional put need not read the file. Bounded: cleared when
     * full (a key that is not in it is read from its file).
     */
    private final Map<String, String> etags = new ConcurrentHashMap<>();

    /** In {@link #etags}: the key has no object. */
    private static final String NO_OBJECT = "";
    /** The most keys {@link #etags} holds (about 200 bytes each). */
    private static final int MAX_KNOWN_ETAGS = 10_000;

    /**
     * Creates a backend with its own pool of {@code max(8, available processors)} daemon threads.
     * Creates the root directory if it is missing.
     *
     * @param root the directory that holds the objects
     * @throws StorageException when the directory cannot be created or its lock file opened
     */
    public FileSystemStorageBackend(Path root) {
        this(root, null, ownExecutor(Math.max(MIN_POOL_THREADS, Runtime.getRuntime().availableProcessors())));
    }

    /**
     * Creates a backend with its own pool of {@code threads} daemon threads, shut down by
     * {@link #close()}. Creates the root directory if it is missing.
     *
     * @param root the directory that holds the objects
     * @param threads the pool's size, at least 1
     * @throws IllegalArgumentException when {@code threads} is less than 1
     * @throws StorageException when the directory cannot be created or its lock file opened
     */
    public FileSystemStorageBackend(Path root, int threads) {
        this(root, null, ownExecutor(requirePositive(threads)));
    }

    /**
     * Creates a backend that runs its blocking I/O on the given executor, which should be bounded
     * and must not run tasks on the calling thread. {@link #close()} does not shut it down.
     * Creates the root directory if it is missing.
     *
     * @param root the directory that holds the objects
     * @param executor where blocking file I/O runs and stages complete (with a journal, a get its known
     *     ETags answer completes at once on the caller's thread, without a task for this executor)
     * @throws StorageException when the directory cannot be created or its lock file opened
     */
    public FileSystemStorageBackend(Path root, Executor executor) {
        this(root, Objects.requireNonNull(executor, "executor"), null);
    }

    private FileSystemStorageBackend(Path root, @Nullable Executor executor,
            @Nullable ExecutorService ownedExecutor) {
        this(root, executor, ownedExecutor, 0);
    }

    /**
     * @param segmentLimit the journal's segment size limit, or 0 for no journal
     */
    FileSystemStorageBackend(Path root, @Nullable Executor executor, @Nullable ExecutorService ownedExecutor,
            long segmentLimit) {
        Objects.requireNonNull(root, "root");
        this.ownedExecutor = ownedExecutor;
        this.executor = executor != null ? executor : Objects.requireNonNull(ownedExecutor);
        Path realRoot;
        KeyLocks keyLocks;
        Journal openJournal = null;
        try {
            OwnerOnly.createDirectories(root);
            realRoot = root.toRealPath();
            this.root = realRoot;
            this.files = new DurableFiles(realRoot, random);
            JournaledFiles journaled = new JournaledFiles();
            keyLocks = KeyLocks.acquire(realRoot, segmentLimit > 0, () -> Journal.replay(realRoot, journaled));
            this.locks = keyLocks;
            if (segmentLimit > 0) {
                try {
                    openJournal = Journal.open(realRoot, segmentLimit, journaled, this.executor);
                } catch (IOException | RuntimeException e) {
                    keyLocks.release();
                    throw e;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (ownedExecutor != null) {
                ownedExecutor.shutdown();
            }
            throw new StorageException("Cannot use directory " + root.toAbsolutePath()
                    + " for the filesystem storage backend: " + e, e);
        }
        this.journal = openJournal;
        deleteStaleTempFiles(STALE_TEMP_AGE);
    }

    /**
     * Creates a backend with a journal (see "Journal" in the class description) and its own pool of
     * {@code max(64, available processors)} daemon threads, shut down by {@link #close()}: a write
     * holds a thread while it waits for the journal, so the pool bounds how many writes one
     * {@code fsync} can cover. Replays what an earlier process left in the journal. Creates the root
     * directory if it is missing.
     *
     * @param root the directory that holds the objects, for this backend alone
     * @return the backend
     * @throws StorageException when the directory cannot be created, is in use by another backend
     *     (in this process or another), or the journal cannot be replayed or started
     */
    public static FileSystemStorageBackend withJournal(Path root) {
        return withJournal(root, Math.max(MIN_JOURNAL_POOL_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Creates a backend with a journal, like {@link #withJournal(Path)}, with its own pool of
     * {@code threads} daemon threads.
     *
     * @param root the directory that holds the objects, for this backend alone
     * @param threads the pool's size, at least 1
     * @return the backend
     * @throws IllegalArgumentException when {@code threads} is less than 1
     * @throws StorageException when the directory cannot be created, is in use by another backend
     *     (in this process or another), or the journal cannot be replayed or started
     */
    public static FileSystemStorageBackend withJournal(Path root, int threads) {
        return new FileSystemStorageBackend(root, null, ownExecutor(requirePositive(threads)),
                Journal.DEFAULT_SEGMENT_LIMIT);
    }

    /** @return whether this backend writes through a journal */
    public boolean hasJournal() {
        return journal != null;
    }

    private static int requirePositive(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        return threads;
    }

    private static ExecutorService ownExecutor(int threads) {
        int pool = POOL_NUMBER.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        ClassLoader loader = Thread.currentThread().getContextClassLoader(); // the builder's, not a request's
        ThreadFactory factory = runnable -> {
            Thread t = new Thread(runnable, "durable-stash-fs-" + pool + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        };
        return Executors.newFixedThreadPool(threads, factory);
    }

    /** @return the root directory (its real, absolute path) */
    public Path root() {
        return root;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the key is not acceptable (see the class description)
     */
    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        Path file = KeyPaths.objectFile(root, key);
        KeyLocks.IoAction<GetResult> read = () -> {
            byte[] body;
            try {
                body = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                return GetResult.notFound();
            }
            String etag = DurableFiles.etagOf(body);
            return etag.equals(ifNoneMatch) ? GetResult.notModified() : GetResult.found(body, etag);
        };
        if (journal == null) {
            return submit("get", key, read);
        }
        GetResult answer = knownAnswer(key, ifNoneMatch);
        if (answer != null) {
            return CompletableFuture.completedFuture(answer);
        }
        // With a journal, files are overwritten in place: read while no overwrite runs. A write the
        // journal made durable whose file change failed is what the key holds (the next put or delete
        // finishes it): answer it, without waiting for the key's lock.
        return submit("get", key, () -> locks.reading(key, () -> {
            Optional<byte[]> pending = unapplied.get(key);
            if (pending != null) {
                if (pending.isEmpty()) {
                    return GetResult.notFound();
                }
                String etag = DurableFiles.etagOf(pending.get());
                return etag.equals(ifNoneMatch) ? GetResult.notModified() : GetResult.found(pending.get().clone(), etag);
            }
            GetResult fromEtags = fromKnownEtag(key, ifNoneMatch);
            if (fromEtags != null) {
                return fromEtags;
            }
            // No change runs while this stripe's read lock is held: what the file holds now is current.
            GetResult result = read.run();
            if (result instanceof GetResult.Found found) {
                remember(key, found.etag());
            } else {
                remember(key, result instanceof GetResult.NotModified ? Objects.requireNonNull(ifNoneMatch) : NO_OBJECT);
            }
            return result;
        }));
    }

    /**
     * With a journal: the answer the known ETags give to a get, on the caller's thread, without any lock
     * or I/O: not modified when {@code ifNoneMatch} is the key's known ETag, not found when the key is
     * known to have no object; otherwise {@code null} (the get goes to the executor).
     *
     * <p>Why no lock is needed: a change forgets the key's ETag before it touches the file, and records
     * the new one once the file holds the new body, before the put or delete that made it is
     * acknowledged: a get that starts after that acknowledgement sees the new ETag, and one that starts
     * while the file changes finds none and waits for the change on the executor's path. A get that read
     * the old ETag before the change began answers the old version, as it would have had it run just
     * before. A change whose file write failed records the write as unapplied after it forgot the ETag,
     * and is answered from there on by the executor's path (which answers unapplied writes); this looks
     * at {@link #unapplied} first, so it either sees the unapplied write or read the ETag before the
     * change began.
     */
    private @Nullable GetResult knownAnswer(String key, @Nullable String ifNoneMatch) {
        if (closed.get() || unapplied.containsKey(key)) {
            return null;
        }
        return fromKnownEtag(key, ifNoneMatch);
    }

    /**
     * With a journal, once no unapplied write of the key is pending: not modified when {@code ifNoneMatch}
     * is the key's known ETag, not found when the key is known to have no object, otherwise {@code null}.
     */
    private @Nullable GetResult fromKnownEtag(String key, @Nullable String ifNoneMatch) {
        String known = etags.get(key);
        if (NO_OBJECT.equals(known)) {
            return GetResult.notFound();
        }
        return known != null && known.equals(ifNoneMatch) ? GetResult.notModified() : null;
    }

    /** With a journal, under the key's lock or its stripe's lock: records its current ETag. */
    private void remember(String key, String etag) {
        if (etags.size() >= MAX_KNOWN_ETAGS && !etags.containsKey(key)) {
            etags.clear();
        }
        etags.put(key, etag);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the key is not acceptable (see the class description)
     */
    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        Path file = KeyPaths.objectFile(root, key);
        byte[] copy = Objects.requireNonNull(body, "body").clone();
        Objects.requireNonNull(precondition, "precondition");
        return submit("put", key, () -> locks.locked(key, closed::get, () -> {
            settle(key, file);
            String current = currentEtag(key, file);
            boolean holds = precondition.requiresAbsent()
                    ? current == null
                    : current != null && current.equals(precondition.etag());
            if (!holds) {
                return PutResult.preconditionFailed();
            }
            Consumer<String> hook = insideCompareAndSwapForTests;
            if (hook != null) {
                hook.accept(key);
            }
            keepKeyOfShortened(file, key);
            String etag = DurableFiles.etagOf(copy);
            if (journal == null) {
                files.replace(file, copy);
            } else {
                journaled(journal, key, file, copy, etag);
            }
            return PutResult.written(etag);
        }));
    }

    /**
     * With a journal, under the key's lock: appends the write, waits until the journal made it
     * durable, then changes the file. When that change fails the write stays in {@link #unapplied},
     * and the next operation on the key (or the journal's checkpoint) finishes it first: the file
     * never shows anything but the journal's last word on the key.
     */
    private void journaled(Journal journal, String key, Path file, byte @Nullable [] body, @Nullable String etag)
            throws IOException {
        Journal.Entry entry = journal.appendAndWait(key, body);
        try {
            change(key, file, body, etag);
        } finally {
            entry.done();
        }
    }

    /** Under the key's lock, after {@link #settle}: the ETag of the key's object, {@code null} when it has none. */
    private @Nullable String currentEtag(String key, Path file) throws IOException {
        if (journal == null) {
            return DurableFiles.currentEtag(file);
        }
        String known = etags.get(key);
        if (known == null) {
            known = DurableFiles.currentEtag(file);
            remember(key, known == null ? NO_OBJECT : known);
        }
        return NO_OBJECT.equals(known) ? null : known;
    }

    /** With a journal, under the key's lock: finishes a write whose file change failed, if any. */
    private void settle(String key, Path file) throws IOException {
        if (unapplied.isEmpty()) {
            return;
        }
        Optional<byte[]> body = unapplied.get(key);
        if (body != null) {
            change(key, file, body.orElse(null), body.map(DurableFiles::etagOf).orElse(null));
        }
    }

    /**
     * Overwrites a file in place or deletes it, without fsync, while no read of it runs: forgets the
     * key's ETag in {@link #etags} first, and records its new one ({@code etag}, the body's; none with no
     * body) once the file changed; on failure records the change in {@link #unapplied} instead, before
     * readers are let in again (they answer it).
     */
    private void change(String key, Path file, byte @Nullable [] body, @Nullable String etag) throws IOException {
        locks.writing(key, () -> {
            // Forgotten while the file changes: a get that starts now cannot be answered from memory, and
            // waits for the change on the stripe's read lock (a listing may already see the file).
            etags.remove(key);
            try {
                if (body == null) {
                    deleteObject(file, false);
                } else {
                    files.overwrite(file, body);
                }
            } catch (IOException | RuntimeException e) {
                unapplied.put(key, Optional.ofNullable(body));
                throw e;
            }
            remember(key, body == null ? NO_OBJECT : Objects.requireNonNull(etag));
            unapplied.remove(key);
            return null;
        });
    }

    /** Writes the key file beside an object whose file name was shortened, when it is missing. */
    private void keepKeyOfShortened(Path file, String key) throws IOException {
        if (keyOf(file) == null && !Files.exists(KeyPaths.keyFile(file))) {
            files.replace(KeyPaths.keyFile(file), key.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Deletes an object and its key file; forces the directory only when {@code force}. */
    private static void deleteObject(Path file, boolean force) throws IOException {
        if (Files.deleteIfExists(file)) {
            Files.deleteIfExists(KeyPaths.keyFile(file));
            if (force) {
                DurableFiles.syncDirectory(file.getParent());
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the key is not acceptable (see the class description)
     */
    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        Path file = KeyPaths.objectFile(root, key);
        return submit("delete", key, () -> locks.locked(key, closed::get, () -> {
            settle(key, file);
            if (ifMatch != null) {
                String current = currentEtag(key, file);
                if (current == null && journal == null) {
                    return true;
                }
                if (current != null && !current.equals(ifMatch)) {
                    return false;
                }
            }
            if (journal == null) {
                deleteObject(file, true);
            } else {
                // Journaled even when there is no file: a put whose record reached the journal
                // although it failed must not come back when the journal is replayed.
                journaled(journal, key, file, null, null);
            }
            return true;
        }));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: creates the directory the probe key's object would be stored in when it is missing,
     * creates a temporary file of one byte there (named like the temporary file of a write to
     * {@code probeKey}, so the sweep of stale temporary files removes it should a crash leave it) and
     * deletes it. Fails when the root or that directory cannot be written: a root replaced by a file,
     * a full disk, a read-only mount, missing permissions. No object is read or written, nothing is
     * forced to disk.
     *
     * @throws IllegalArgumentException when the key is not acceptable (see the class description)
     */
    @Override
    public CompletionStage<Void> check(String probeKey) {
        Path file = KeyPaths.objectFile(root, probeKey);
        return submit("check", probeKey, () -> {
            String problem = journal == null ? null : journal.problem();
            if (problem != null) {
                throw new IOException(problem);
            }
            if (!Files.isDirectory(root)) {
                throw new FileSystemException(root.toString(), null,
                        Files.exists(root) ? "the root is no longer a directory" : "the root directory is gone");
            }
            files.createDirectories(file.getParent());
            byte[] unique = new byte[8];
            random.nextBytes(unique);
            Path temp = KeyPaths.tempFile(file, HexFormat.of().formatHex(unique));
            FileChannel channel = OwnerOnly.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (channel) {
                // a byte needs a block: an empty file is created on a full disk too
                channel.write(ByteBuffer.wrap(PROBE_BYTE));
            } finally {
                Files.delete(temp);
            }
            return null;
        });
    }

    /** @return {@code "filesystem:"} followed by the root's absolute path */
    @Override
    public String describe() {
        return "filesystem:" + root;
    }

    /**
     * Lists stored keys in ascending order (of {@link String#compareTo}), for a sweep that resumes
     * where it stopped. Walks the whole directory tree on every call (the cost grows with the number
     * of objects, not with {@code limit}) and reads no object. Keys whose file name was shortened
     * (segments longer than 120 characters once encoded, see the class description) are read from
     * the key file beside the object; objects shortened without one (written by a version that did
     * not keep key files) are left out. Files deleted or renamed while the tree is walked are
     * skipped. Runs on the backend's executor.
     *
     * @param prefix only keys that start with it ({@code ""}: all)
     * @param startAfter only keys greater than it, or {@code null} for the first ones
     * @param limit at most this many keys, positive
     * @return the keys, ascending; fewer than {@code limit} when the listing reached the end
     */
    public CompletionStage<List<String>> listKeys(String prefix, @Nullable String startAfter, int limit) {
        Objects.requireNonNull(prefix, "prefix");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        return submit("listing", prefix + "*", () -> {
            TreeSet<String> smallest = new TreeSet<>();
            walkFiles((file, attributes) -> {
                if (!file.getFileName().toString().endsWith(KeyPaths.OBJECT_SUFFIX)) {
                    return;
                }
                String key = keyOf(file);
                if (key == null) {
                    key = storedKeyOf(file);
                }
                if (key == null || !key.startsWith(prefix) || (startAfter != null && key.compareTo(startAfter) <= 0)) {
                    return;
                }
                smallest.add(key);
                if (smallest.size() > limit) {
                    smallest.pollLast();
                }
            });
            return List.copyOf(smallest);
        });
    }

    /**
     * @return the key in the key file beside a shortened object, or {@code null} when there is none
     *     (an object written before key files existed, or not by this class) or it names another file
     */
    private @Nullable String storedKeyOf(Path file) throws IOException {
        String key;
        try {
            key = new String(Files.readAllBytes(KeyPaths.keyFile(file)), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return KeyPaths.objectFile(root, key).equals(file) ? key : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the key whose object {@code file} holds, or {@code null} when its name cannot be decoded */
    private @Nullable String keyOf(Path file) {
        StringBuilder key = new StringBuilder();
        Path relative = root.relativize(file);
        for (int i = 0; i < relative.getNameCount(); i++) {
            String name = relative.getName(i).toString();
            if (i == relative.getNameCount() - 1) {
                name = name.substring(0, name.length() - KeyPaths.OBJECT_SUFFIX.length());
            }
            String segment = KeyPaths.decodeSegment(name);
            if (segment == null) {
                return null;
            }
            key.append(i == 0 ? "" : "/").append(segment);
        }
        return key.toString();
    }

    /**
     * Deletes temporary files that interrupted writes left under the root and that were last
     * modified more than {@code minAge} ago. Runs on the backend's executor. The backend starts
     * one sweep with an age of one hour when it is created; a younger age risks deleting the
     * temporary file of a write in progress (in this or another process), which then fails.
     *
     * @param minAge how old a temporary file must be to be deleted
     * @return the number of files deleted
     */
    public CompletionStage<Integer> deleteStaleTempFiles(Duration minAge) {
        Objects.requireNonNull(minAge, "minAge");
        FileTime cutoff = FileTime.from(Instant.now().minus(minAge));
        return submit("sweep of temporary files", "*", () -> {
            int[] deleted = {0};
            walkFiles((file, attributes) -> {
                if (isStaleTemp(file, attributes, cutoff) && Files.deleteIfExists(file)) {
                    deleted[0]++;
                }
            });
            return deleted[0];
        });
    }

    /** What {@link #walkFiles} does with each regular file. */
    @FunctionalInterface
    private interface FileVisit {
        void visit(Path file, BasicFileAttributes attributes) throws IOException;
    }

    /**
     * Visits every regular file under the root, skipping entries that vanish while the tree is
     * walked: the engine, other backends on the same root (in this or another process) and the
     * atomic moves of writes delete and rename files all the time. Other I/O errors end the walk.
     */
    private void walkFiles(FileVisit visit) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile()) {
                    visit.visit(file, attributes);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException && !file.equals(root)) {
                    return FileVisitResult.CONTINUE; // deleted or renamed since the directory was read
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, @Nullable IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static boolean isStaleTemp(Path path, BasicFileAttributes attributes, FileTime cutoff) {
        return attributes.isRegularFile()
                && KeyPaths.isTempFile(path.getFileName().toString())
                && attributes.lastModifiedTime().compareTo(cutoff) <= 0;
    }

    /**
     * Stops accepting operations (a backend that owns its executor shuts it down), waits up to 30
     * seconds for those in progress, on its own executor or on the caller's, and releases the lock file.
     * With a journal, drops the journal before that, once the files it covers are forced. The lock
     * file's locks are what keep other processes out of a compare-and-swap in progress, so they are never
     * released under one: when operations are still running after the wait (or the calling thread is
     * interrupted), {@code close()} returns, and the last of them releases the lock file and the root
     * when it ends; operations the executor has not started by then fail when they start. An operation
     * that waits for its key's lock while another process holds it (in the lock file) stops waiting once
     * {@code close()} has started, and fails with a {@link StorageException} saying so: a process that
     * hung holding a lock cannot keep {@code close()} waiting. Operations that have their key's lock, or
     * find it free, finish. Idempotent.
     *
     * <p>Called on a thread that runs one of this backend's operations, as a callback of a returned stage
     * does when the stage completes on the executor, {@code close()} stops accepting operations and
     * returns at once, and a thread of its own does the rest as above: the wait, the journal, the lock
     * file. Waiting on the calling thread would wait for that thread itself (the backend's own pool), or
     * for operations that cannot run before it returns (queued on a caller's executor with one thread).
     */
    @Override
    public void close() {
        synchronized (operations) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        if (RUNNING.get() == this) {
            // This thread runs one of our tasks: its own pool's thread, which the wait would wait for, or
            // a caller's executor's, which may have to end this task before it runs the ones queued.
            Thread finishing = new Thread(this::finishClosing, "durable-stash-fs-closing");
            finishing.setDaemon(true);
            closer = finishing;
            finishing.start();
            return;
        }
        finishClosing();
    }

    /**
     * What {@link #close()} does once it stopped accepting operations: waits for those submitted,
     * closes the journal, releases the lock file (or leaves that to the last operation running).
     */
    private void finishClosing() {
        boolean idle = false;
        try {
            long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
            if (ownedExecutor != null) {
                ownedExecutor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            idle = awaitNoneSubmitted(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                if (journal != null) {
                    journal.close();
                }
            } finally {
                releaseOnceNoneRuns(idle);
            }
        }
    }

    /** Waits until every submitted operation finished, or the deadline; {@code true} when they did. */
    private boolean awaitNoneSubmitted(long deadline) throws InterruptedException {
        synchronized (operations) {
            long left = deadline - System.nanoTime();
            while (submitted > 0 && left > 0) {
                TimeUnit.NANOSECONDS.timedWait(operations, left);
                left = deadline - System.nanoTime();
            }
            return submitted == 0;
        }
    }

    /**
     * Releases the lock file now, unless an operation is still running: then the last running one
     * does, and operations that have not started yet fail when they start.
     */
    private void releaseOnceNoneRuns(boolean idle) {
        synchronized (operations) {
            abandoned = true;
            if (running > 0) {
                log.warn("Closed the filesystem storage backend of {} with {} operations still running after {} s: "
                        + "the last of them releases the directory's lock file", root, running,
                        CLOSE_TIMEOUT.toSeconds());
                return;
            }
            if (!idle && submitted > 0) {
                log.warn("Closed the filesystem storage backend of {} with {} operations its executor has not "
                        + "started after {} s: they fail when they start", root, submitted, CLOSE_TIMEOUT.toSeconds());
            }
            released = true;
        }
        locks.release();
    }

    /** Counts an operation submitted, unless the backend is closed. */
    private boolean submitting() {
        synchronized (operations) {
            if (closed.get()) {
                return false;
            }
            submitted++;
            return true;
        }
    }

    /** Counts a submitted operation running, unless {@link #close()} gave up waiting for it. */
    private boolean starting() {
        synchronized (operations) {
            if (abandoned) {
                submitted--;
                return false;
            }
            running++;
            return true;
        }
    }

    /**
     * Counts an operation finished ({@code ran}: its action ran); the last running one after a
     * {@link #close()} that gave up waiting releases the lock file.
     */
    private void finished(boolean ran) {
        boolean release = false;
        synchronized (operations) {
            submitted--;
            if (ran) {
                running--;
                if (running == 0 && abandoned && !released) {
                    released = true;
                    release = true;
                }
            }
            if (submitted == 0) {
                operations.notifyAll();
            }
        }
        if (release) {
            locks.release();
        }
    }

    @Override
    public String toString() {
        return "FileSystemStorageBackend[" + root + "]";
    }

    /**
     * For tests, what a crash of the process leaves behind: stops taking operations, drops the
     * threads' pending tasks, halts the journal without a checkpoint (see {@link Journal#halt()}) and
     * releases the root. Only for a backend that owns its executor.
     */
    void crashForTests() throws InterruptedException {
        closed.set(true);
        ExecutorService pool = Objects.requireNonNull(ownedExecutor, "only with an own executor");
        if (journal != null) {
            journal.halt();
        }
        pool.shutdownNow();
        pool.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        locks.release();
    }

    /**
     * For tests: waits until the thread that a {@link #close()} called on one of this backend's tasks
     * started has ended (at once when there is none).
     */
    void awaitClosingForTests() throws InterruptedException {
        Thread finishing = closer;
        if (finishing != null) {
            finishing.join();
        }
    }

    /** Package-private for tests: how many keys' ETags are known without reading their files. */
    int knownEtagCount() {
        return etags.size();
    }

    /** Package-private for tests: the file that holds a key's object. */
    Path objectFile(String key) {
        return KeyPaths.objectFile(root, key);
    }

    /**
     * Runs an operation on the executor, counted (see {@link #close()}) until its action returns: the
     * count goes down before the returned stage completes. While the task runs (its action and the
     * callbacks its stage's completion runs), {@link #RUNNING} names this backend, so that a close()
     * called there does not wait on the task's thread. When the executor throws instead of taking the
     * task (a rejection or anything else), the operation fails and is counted out at once; should the
     * task run all the same (an executor that queued it and then threw), it does nothing.
     */
    private <T> CompletionStage<T> submit(String operation, String key, KeyLocks.IoAction<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (!submitting()) {
            result.completeExceptionally(failure(operation, key, "the backend is closed", null));
            return result;
        }
        // Who counts the operation out: its task, or the failure of execute(), whichever comes first.
        AtomicBoolean claimed = new AtomicBoolean();
        try {
            executor.execute(() -> {
                if (!claimed.compareAndSet(false, true)) {
                    return; // execute() threw after all: counted out and failed there
                }
                @Nullable FileSystemStorageBackend outer = RUNNING.get();
                RUNNING.set(this);
                try {
                    run(operation, key, action, result);
                } finally {
                    if (outer == null) {
                        RUNNING.remove();
                    } else {
                        RUNNING.set(outer);
                    }
                }
            });
        } catch (RuntimeException | Error e) {
            if (claimed.compareAndSet(false, true)) {
                finished(false);
                result.completeExceptionally(e instanceof RejectedExecutionException
                        ? failure(operation, key, "its executor rejected the task", e)
                        : failure(operation, key, "its executor failed to take the task: " + e, e));
            }
            if (e instanceof Error) {
                throw e;
            }
        }
        return result;
    }

    /** The task of a submitted operation: runs its action, unless close() gave up waiting for it. */
    private <T> void run(String operation, String key, KeyLocks.IoAction<T> action, CompletableFuture<T> result) {
        if (!starting()) {
            result.completeExceptionally(failure(operation, key, "the backend was closed before it ran", null));
            return;
        }
        T value;
        try {
            value = action.run();
        } catch (IOException | RuntimeException e) {
            boolean closing = closed.get();
            finished(true);
            result.completeExceptionally(e instanceof KeyLocks.ClosedWhileWaitingException
                    ? failure(operation, key, "the backend was closed while the operation waited for its "
                            + "key's lock, which another process holds", e)
                    : closing
                    ? failure(operation, key, "the backend was closed: " + e, e)
                    : failure(operation, key, e.toString(), e));
            return;
        } catch (Error e) {
            finished(true);
            result.completeExceptionally(e);
            throw e;
        }
        finished(true);
        result.complete(value);
    }

    /** What the journal's replay and checkpoints do to object files. */
    private final class JournaledFiles implements Journal.ObjectFiles {

        @Override
        public void apply(String key, byte @Nullable [] body) throws IOException {
            etags.remove(key);
            Path file = KeyPaths.objectFile(root, key);
            if (body == null) {
                deleteObject(file, true);
            } else {
                keepKeyOfShortened(file, key);
                files.replace(file, body);
            }
        }

        @Override
        public void force(Set<String> keys) throws IOException {
            Set<Path> directories = new HashSet<>();
            for (String key : keys) {
                Path file = KeyPaths.objectFile(root, key);
                locks.locked(key, closed::get, () -> {
                    settle(key, file);
                    DurableFiles.force(file);
                    return null;
                });
                directories.add(file.getParent());
            }
            for (Path directory : directories) {
                // A deleted key's directory may never have been created: nothing to force in it then.
                files.syncExistingDirectory(directory);
            }
        }
    }

    private StorageException failure(String operation, String key, String reason,
            @Nullable Throwable cause) {
        return new StorageException("Filesystem " + operation + " of key " + KeyPaths.quote(key)
                + " in " + root + " failed: " + reason, cause);
    }
}
