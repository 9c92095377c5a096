package dev.durablestash.storage.filesystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design. Group commit across keys: one fsync makes many writes durable. Callers (the backend's I/O
 * threads, each holding its key's lock) append a record (the key and the whole new body, or a deletion)
 * and wait; one committer thread takes every record waiting, writes them to the current segment file
 * in one write and forces it once, then wakes their callers, who only then change the object files,
 * without forcing them. The journal holds whole bodies, so replaying it in order on the next open
 * restores every acknowledged write, whatever a crash of the machine left of the unforced files.
 *
 * A segment is dropped by a checkpoint once the files it covers are forced: when a segment grows past
 * its limit the committer starts a new one and seals the old one; a segment counts the writes still
 * changing files for it (plus one while it is current), and when that reaches zero its checkpoint
 * forces the current file of each key it names (under the key's lock, so no write is half done) and
 * their directories, then deletes the segment, but only once every older segment is deleted (replay
 * must never apply an older record over a newer file a later checkpoint forced); a checkpoint that
 * fails is tried again later (the committer thread, between batches, hands it to the executor when it is
 * due), and the ones after it wait. A write that fails between its record and
 * its file change is in the journal all the same: the backend finishes it on the key's next
 * operation (and replay would apply it), which the storage contract allows for a failed write.
 *
 * Only one process may use a root with a journal (the backend holds the root's ownership lock
 * exclusively), so replay at open never races another writer.
 */
/**
 * The write-ahead journal of a {@link FileSystemStorageBackend} created with a journal: segment files
 * {@code <root>/.journal/<sequence>.log}. Thread-safe.
 */
final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileSystemStorageBackend.class);

    /** Directory of the segments under the root; starts with '.', which no encoded key can. */
    static final String DIRECTORY = ".journal";
    static final String SEGMENT_SUFFIX = ".log";
    /** Size past which the committer starts a new segment. */
    static final long DEFAULT_SEGMENT_LIMIT = 64L * 1024 * 1024;

    private static final byte[] MAGIC = "DSJOURN1".getBytes(StandardCharsets.US_ASCII);
    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    /** Record header: payload length, CRC32C of the payload. */
    private static final int RECORD_HEADER = 8;
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Failed attempts in a row (the second one a second after the first) that make a problem. */
    private static final int FAILED_CHECKPOINTS_REPORTED = 2;

    /** What replay and checkpoints do to the object files; implemented by the backend. */
    interface ObjectFiles {
        /** Durably writes a key's body, or deletes the key when {@code body} is {@code null}. */
        void apply(String key, byte @Nullable [] body) throws IOException;

        /**
         * Forces the current object files of these keys, and their directories, to disk; a key's
         * directory that does not exist (a deletion of a key that never had one) fails nothing.
         */
        void force(Set<String> keys) throws IOException;
    }

    private final Path directory;
    private final long segmentLimit;
    private final ObjectFiles files;
    private final Executor executor;
    private final Thread committer;
    private final Object lock = new Object();

    /** Records waiting for the committer; guarded by {@link #lock}. */
    private List<Entry> waiting = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private boolean closing;
    /** The failed checkpoint the committer hands to the executor at {@link #retryAt}; guarded by {@link #lock}. */
    private @Nullable Retry retryDue;
    /** When {@link #retryDue} is due, in {@link System#nanoTime()}; guarded by {@link #lock}. */
    private long retryAt;
    /** Set by {@link #halt()}: no more checkpoints. */
    private volatile boolean halted;
    /** Set by {@link #close()}: checkpoints run on the caller's thread and are not tried again. */
    private volatile boolean closed;
    /** The checkpoint that failed last and waits to be tried again, if any. */
    private volatile @Nullable Retry retrying;
    /** Held by each checkpoint attempt. */
    private final ReentrantLock checkpointLock = new ReentrantLock();

    /** The segment being written; only the committer thread (and open/close) change it. */
    private volatile Segment current;

    private Journal(Path directory, long segmentLimit, ObjectFiles files, Executor executor, long firstSequence)
            throws IOException {
        this.directory = directory;
        this.segmentLimit = segmentLimit;
        this.files = files;
        this.executor = executor;
        this.current = Segment.create(directory, firstSequence, CompletableFuture.completedFuture(true));
        this.committer = new Thread(this::commitLoop, "durable-stash-fs-journal-" + THREAD_NUMBER.incrementAndGet());
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Replays what an earlier process left in the journal, deletes it and starts a new segment.
     *
     * @param root the backend's root, held exclusively by this process
     * @param segmentLimit size past which a new segment is started
     * @param files what applies and forces object files
     * @param executor where checkpoints run
     * @return the open journal
     * @throws IOException when the leftovers cannot be replayed or the new segment cannot be created
     */
    static Journal open(Path root, long segmentLimit, ObjectFiles files, Executor executor) throws IOException {
        Path directory = root.resolve(DIRECTORY);
        long next = replay(root, files) + 1;
        OwnerOnly.createDirectories(directory);
        DurableFiles.syncDirectory(root);
        return new Journal(directory, segmentLimit, files, executor, next);
    }

    /**
     * Applies, durably and in order, the records of every segment under the root's journal directory,
     * then deletes the segments. Each segment is read up to its first incomplete or damaged record:
     * a crash cut it short there, before that write was acknowledged.
     *
     * @return the highest segment sequence found, or 0
     */
    static long replay(Path root, ObjectFiles files) throws IOException {
        Path directory = root.resolve(DIRECTORY);
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        TreeMap<Long, Path> segments = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*" + SEGMENT_SUFFIX)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                try {
                    segments.put(Long.parseLong(name.substring(0, name.length() - SEGMENT_SUFFIX.length())), entry);
                } catch (NumberFormatException e) {
                    log.warn("Ignoring {}: not a journal segment of this backend", entry);
                }
            }
        }
        if (segments.isEmpty()) {
            return 0;
        }
        Map<String, byte @Nullable []> latest = new LinkedHashMap<>();
        int records = 0;
        for (Path segment : segments.values()) {
            records += read(segment, latest);
        }
        for (Map.Entry<String, byte @Nullable []> record : latest.entrySet()) {
            files.apply(record.getKey(), record.getValue());
        }
        for (Path segment : segments.values()) {
            Files.delete(segment);
        }
        DurableFiles.syncDirectory(directory);
        log.info("Replayed the journal of {}: {} records in {} segments, {} keys", root, records,
                segments.size(), latest.size());
        return segments.lastKey();
    }

    /** Reads a segment's valid records into {@code latest} (the last record of a key wins). */
    static int read(Path segment, Map<String, byte @Nullable []> latest) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(segment));
        if (in.remaining() < MAGIC.length || !in.slice(0, MAGIC.length).equals(ByteBuffer.wrap(MAGIC))) {
            if (in.remaining() > 0) {
                log.warn("Ignoring journal segment {}: it does not start like one", segment);
            }
            return 0;
        }
        in.position(MAGIC.length);
        int records = 0;
        CRC32C crc = new CRC32C();
        while (in.remaining() >= RECORD_HEADER) {
            int start = in.position();
            int length = in.getInt();
            int checksum = in.getInt();
            if (length < 3 || length > in.remaining()) {
                in.position(start);
                break;
            }
            ByteBuffer payload = in.slice(in.position(), length);
            crc.reset();
            crc.update(payload.duplicate());
            if ((int) crc.getValue() != checksum) {
                in.position(start);
                break;
            }
            in.position(in.position() + length);
            byte op = payload.get();
            int keyLength = Short.toUnsignedInt(payload.getShort());
            if (keyLength > payload.remaining() || (op != PUT && op != DELETE)) {
                in.position(start);
                break;
            }
            byte[] key = new byte[keyLength];
            payload.get(key);
            byte[] body = null;
            if (op == PUT) {
                body = new byte[payload.remaining()];
                payload.get(body);
            }
            String name = new String(key, StandardCharsets.US_ASCII);
            latest.remove(name); // keep the order of the last writes
            latest.put(name, body);
            records++;
        }
        if (in.hasRemaining()) {
            log.warn("Journal segment {} ends with {} bytes that are not a whole record (a write a crash cut "
                    + "short, never acknowledged): ignored", segment, in.remaining());
        }
        return records;
    }

    /**
     * Appends a write and waits until it is durable in the journal. The caller holds the key's lock
     * and must call {@link Entry#done()} once it has changed the object file (or given up).
     *
     * @param key the key
     * @param body the new body, or {@code null} for a deletion
     * @return the durable entry
     * @throws IOException when the journal could not write or force it
     */
    Entry appendAndWait(String key, byte @Nullable [] body) throws IOException {
        Entry entry = new Entry(key, body);
        synchronized (lock) {
            if (closing) {
                throw new IOException("the journal is closed");
            }
            waiting.add(entry);
            if (waiting.size() == 1) {
                lock.notifyAll();
            }
        }
        try {
            entry.durable.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
        }
        return entry;
    }

    private void commitLoop() {
        while (true) {
            List<Entry> batch;
            Retry due;
            synchronized (lock) {
                while ((due = takeDueRetry()) == null && waiting.isEmpty() && !closing) {
                    awaitWork();
                }
                if (closing) {
                    due = null; // close() makes the last attempt itself
                    if (waiting.isEmpty()) {
                        return;
                    }
                }
                batch = waiting;
                waiting = new ArrayList<>();
            }
            if (!batch.isEmpty()) {
                commit(batch);
            }
            if (due != null) {
                retry(due);
            }
        }
    }

    /** @return the failed checkpoint to try again now, no longer scheduled, or {@code null}; holds the lock */
    private @Nullable Retry takeDueRetry() {
        Retry due = retryDue;
        if (due == null || System.nanoTime() - retryAt < 0) {
            return null;
        }
        retryDue = null;
        return due;
    }

    /** Waits for records, {@link #close()} or the retry's time; holds the lock. */
    private void awaitWork() {
        try {
            if (retryDue == null) {
                lock.wait();
            } else {
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryAt - System.nanoTime()) + 1));
            }
        } catch (InterruptedException e) {
            // Only close() ends this thread.
        }
    }

    /**
     * Hands a failed checkpoint to the executor. One that refuses it (a bounded executor that is full, or one
     * shut down before the backend closed) or throws makes it a failed attempt, tried again later; once the
     * journal closes, close() makes the last attempt.
     */
    private void retry(Retry due) {
        try {
            executor.execute(() -> checkpoint(due.segment(), due.previousDropped(), due.failures()));
        } catch (Throwable outOfOrder) { // an Error too (a pool that cannot start a thread): this thread goes on
            failedToStart(due.segment(), due.previousDropped(), due.failures(), outOfOrder);
        }
    }

    private void commit(List<Entry> batch) {
        Segment segment = current;
        try {
            segment.write(batch);
        } catch (Throwable e) { // an Error too: the callers wait for this thread, which goes on
            for (Entry entry : batch) {
                entry.durable.completeExceptionally(e);
            }
            if (segment.isBroken()) {
                startNextSegment(segment);
            }
            return;
        }
        for (Entry entry : batch) {
            entry.segment = segment;
            entry.durable.complete(null);
        }
        if (segment.size >= segmentLimit) {
            startNextSegment(segment);
        }
    }

    /** Makes a new segment the current one and seals the old one; keeps the old one if that fails. */
    private void startNextSegment(Segment segment) {
        try {
            current = Segment.create(directory, segment.sequence + 1, segment.dropped);
        } catch (Throwable e) { // an Error too: this thread must go on, callers wait for it
            log.warn("Cannot start a new journal segment in {}: {}", directory, e.toString());
            return;
        }
        seal(segment);
    }

    /** Ends a segment's time as the current one; its checkpoint runs once its writes are done. */
    private void seal(Segment segment) {
        segment.closeChannel();
        release(segment);
    }

    /**
     * Counts one write of the segment done; the last one starts its checkpoint, after the one of the
     * segment before it (a segment is deleted only once every older one is: replay applies them in
     * order, and an older record must never be replayed over a newer write forced by a checkpoint).
     */
    private void release(Segment segment) {
        if (segment.pending.decrementAndGet() != 0 || halted) {
            return;
        }
        segment.previousDropped.thenAccept((previousDropped) -> startCheckpoint(segment, previousDropped, 0));
    }

    private void startCheckpoint(Segment segment, boolean previousDropped, int failures) {
        Runnable attempt = () -> checkpoint(segment, previousDropped, failures);
        if (closed) {
            attempt.run();
            return;
        }
        try {
            executor.execute(attempt);
        } catch (RejectedExecutionException e) {
            attempt.run();
        } catch (Throwable e) { // an executor out of order (an Error too): as a failed attempt, tried again later
            failedToStart(segment, previousDropped, failures, e);
        }
    }

    /** The executor threw (not a rejection) when handed a checkpoint attempt: that attempt failed. */
    private void failedToStart(Segment segment, boolean previousDropped, int failures, Throwable e) {
        checkpointLock.lock();
        try {
            if (!segment.dropped.isDone()) {
                failed(segment, previousDropped, failures + 1, e);
            }
        } finally {
            checkpointLock.unlock();
        }
    }

    /**
     * Forces the files a segment covers, then deletes it if every older segment is gone (else keeps
     * it, so that replay still applies the older one first). A failed attempt is tried again, after
     * 1, 2, 4 ... up to 60 seconds, until it succeeds or the journal closes; the segments after it
     * wait meanwhile (the journal grows), and close() tries once more at once, then keeps them all
     * for the next open's replay.
     */
    private void checkpoint(Segment segment, boolean previousDropped, int failures) {
        checkpointLock.lock(); // one attempt at a time, and none once close() has given up
        try {
            if (segment.dropped.isDone() || halted) {
                return; // close() made this attempt already, or a test crashed the journal
            }
            try {
                files.force(segment.keys);
                if (previousDropped) {
                    Files.deleteIfExists(segment.path);
                    DurableFiles.syncDirectory(directory);
                }
            } catch (Throwable e) { // an Error too: the segments after this one wait for it
                failed(segment, previousDropped, failures + 1, e);
                return;
            }
            retrying = null;
            if (failures > 0) {
                log.info("Dropped journal segment {} at attempt {}", segment.path, failures + 1);
            }
            segment.dropped.complete(previousDropped);
        } finally {
            checkpointLock.unlock();
        }
    }

    private void failed(Segment segment, boolean previousDropped, int failures, Throwable e) {
        if (halted) {
            return;
        }
        long delay = Math.min(60, 1L << Math.min(failures - 1, 6));
        Retry retry = new Retry(segment, previousDropped, failures, e.toString());
        boolean scheduled;
        // Timed by the committer thread, which ends with the journal (the JDK's delay thread would outlive
        // the application, holding its class loader). Decided under the lock close() sets closing under: either
        // close() finds the retry in retrying and makes the last attempt, or this sees it closing.
        synchronized (lock) {
            scheduled = !closing;
            if (scheduled) {
                retrying = retry;
                retryDue = retry;
                retryAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
                lock.notifyAll();
            }
        }
        if (!scheduled) {
            if (Thread.currentThread() == committer) {
                // A retry's hand-over failed as close() started: close() reads retrying once this thread has
                // ended, and makes the last attempt
                retrying = retry;
                return;
            }
            retrying = null;
            log.warn("Cannot drop journal segment {}; it and the segments after it are replayed at the "
                    + "next open instead: {}", segment.path, e.toString());
            segment.dropped.complete(false);
            return;
        }
        log.warn("Cannot drop journal segment {} yet (attempt {}; trying again in {} s; the journal "
                + "grows meanwhile): {}", segment.path, failures, delay, e.toString());
    }

    /** A checkpoint waiting to be tried again, after {@code failures} failed attempts. */
    private record Retry(Segment segment, boolean previousDropped, int failures, String lastError) {
    }

    /**
     * @return why the journal cannot make writes durable now, or {@code null} when it can: for the
     *     backend's health check
     */
    @Nullable String problem() {
        if (!committer.isAlive() && !closed) {
            return "the journal's writer thread " + committer.getName() + " has ended";
        }
        Retry retry = retrying;
        if (retry != null && retry.failures() >= FAILED_CHECKPOINTS_REPORTED) {
            return "the journal's checkpoint of " + retry.segment().path + " failed " + retry.failures()
                    + " times in a row (the journal grows until it succeeds): " + retry.lastError();
        }
        if (current.isBroken()) {
            return "the journal segment " + current.path + " cannot be written: a write to it failed and could "
                    + "not be undone, and no new segment could be started";
        }
        return null;
    }

    /**
     * Stops the committer once the records waiting are written, tries a failed checkpoint once more,
     * and drops the current segment once the writes it covers are done, waiting up to 30 seconds for
     * writes in progress (whatever is left is replayed at the next open). Call after the backend
     * stopped taking operations. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            closed = true;
            lock.notifyAll();
        }
        boolean interrupted = awaitCommitterEnd();
        Segment last = current;
        seal(last);
        Retry retry = retrying;
        if (retry != null) {
            checkpoint(retry.segment(), retry.previousDropped(), retry.failures()); // now, and only once more
        }
        try {
            last.dropped.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (ExecutionException | TimeoutException e) {
            // Writes still in progress: what they leave in the journal is replayed at the next open.
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * For tests, what a crash leaves: stops the committer without writing the records waiting
     * (their callers fail) and closes the segments without a checkpoint, so the journal is replayed
     * at the next open. Writes still changing files may go on; their segment is not dropped.
     */
    void halt() {
        List<Entry> dropped;
        synchronized (lock) {
            closing = true;
            halted = true;
            dropped = waiting;
            waiting = new ArrayList<>();
            lock.notifyAll();
        }
        for (Entry entry : dropped) {
            entry.durable.completeExceptionally(new IOException("the journal was halted"));
        }
        boolean interrupted = awaitCommitterEnd();
        current.closeChannel();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the wait was interrupted (the caller restores the flag) */
    private boolean awaitCommitterEnd() {
        boolean interrupted = false;
        while (committer.isAlive()) {
            try {
                committer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    /** One write waiting for, then holding, its place in the journal. */
    final class Entry {
        private final String key;
        private final byte @Nullable [] body;
        private final CompletableFuture<@Nullable Void> durable = new CompletableFuture<>();
        /** Set by the committer before {@link #durable} completes normally. */
        private @Nullable Segment segment;

        private Entry(String key, byte @Nullable [] body) {
            this.key = key;
            this.body = body;
        }

        /** Says the object file was changed (or the change given up): the segment may be dropped. */
        void done() {
            Segment written = segment;
            if (written != null) {
                segment = null;
                release(written);
            }
        }
    }

    /** A segment file and what its checkpoint needs. */
    private static final class Segment {
        final long sequence;
        final Path path;
        /** Completes with whether the segment before it was deleted. */
        final CompletableFuture<Boolean> previousDropped;
        /** Completes with whether this segment was deleted by its checkpoint. */
        final CompletableFuture<Boolean> dropped = new CompletableFuture<>();
        /** Writes still changing object files for it, plus one while it is current. */
        final AtomicInteger pending = new AtomicInteger(1);
        /** Keys with a record in it; written by the committer before those writes may finish. */
        final Set<String> keys = new HashSet<>();
        private @Nullable FileChannel channel;
        long size;

        private Segment(long sequence, Path path, FileChannel channel, long size,
                CompletableFuture<Boolean> previousDropped) {
            this.sequence = sequence;
            this.previousDropped = previousDropped;
            this.path = path;
            this.channel = channel;
            this.size = size;
        }

        static Segment create(Path directory, long sequence, CompletableFuture<Boolean> previousDropped)
                throws IOException {
            Path path = directory.resolve(String.format("%019d%s", sequence, SEGMENT_SUFFIX));
            FileChannel channel = OwnerOnly.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                writeFully(channel, ByteBuffer.wrap(MAGIC));
                channel.force(true);
                DurableFiles.syncDirectory(directory);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return new Segment(sequence, path, channel, MAGIC.length, previousDropped);
        }

        /** Writes a batch of records and forces them; on failure cuts the segment back to before it. */
        void write(List<Entry> batch) throws IOException {
            FileChannel out = channel;
            if (out == null) {
                throw new IOException("journal segment " + path + " is closed");
            }
            int total = 0;
            for (Entry entry : batch) {
                total += RECORD_HEADER + 3 + entry.key.length() + (entry.body == null ? 0 : entry.body.length);
            }
            ByteBuffer buffer = ByteBuffer.allocate(total);
            CRC32C crc = new CRC32C();
            for (Entry entry : batch) {
                int start = buffer.position();
                buffer.position(start + RECORD_HEADER);
                buffer.put(entry.body == null ? DELETE : PUT);
                buffer.putShort((short) entry.key.length());
                buffer.put(entry.key.getBytes(StandardCharsets.US_ASCII));
                if (entry.body != null) {
                    buffer.put(entry.body);
                }
                int end = buffer.position();
                crc.reset();
                crc.update(buffer.slice(start + RECORD_HEADER, end - start - RECORD_HEADER));
                buffer.putInt(start, end - start - RECORD_HEADER);
                buffer.putInt(start + 4, (int) crc.getValue());
            }
            buffer.flip();
            try {
                writeFully(out, buffer);
                out.force(false);
            } catch (IOException | RuntimeException e) {
                try {
                    out.truncate(size);
                    out.position(size);
                } catch (IOException | RuntimeException cut) {
                    e.addSuppressed(cut);
                    closeChannel(); // cannot tell what is in it: no more appends to this segment
                }
                throw e;
            }
            size += total;
            pending.addAndGet(batch.size());
            for (Entry entry : batch) {
                keys.add(entry.key);
            }
        }

        /** @return whether a failed write left it in a state no record may follow */
        boolean isBroken() {
            return channel == null;
        }

        void closeChannel() {
            FileChannel out = channel;
            channel = null;
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    // Everything in it was forced already.
                }
            }
        }

        private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }
}
