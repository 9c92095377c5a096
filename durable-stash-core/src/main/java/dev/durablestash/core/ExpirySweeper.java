package dev.durablestash.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/**
 * Deletes expired session documents from a {@link FileSystemStorageBackend}, reading and deleting
 * a bounded number per run (the listing that finds them is not bounded: it walks the whole
 * directory tree, see {@link FileSystemStorageBackend#listKeys}). The engine never serves an expired document (it reads it as absent and deletes it when the
 * session comes back), so this only reclaims the space of sessions that never come back; on S3 a
 * bucket lifecycle rule does that instead.
 *
 * <h2>One run</h2>
 * A run lists the keys under the settings' key prefix that follow the last key the previous run
 * examined (ascending; after the last key it starts again from the first), reads up to
 * {@code maxFilesPerRun} of them, and deletes those whose document has expired, each with
 * compare-and-swap on the version it read ({@link FileSystemStorageBackend#delete(String, String)}
 * compares under the key's lock, which other processes on the same directory take too). So a
 * document rewritten after the sweeper read it (a session that came back just before its sweep)
 * is never deleted: its version changed. Documents that cannot be read as session documents
 * (corrupt, quarantined copies, other secrets' envelopes) are left alone. Plain documents are read
 * for their expiry even when the settings refuse to serve them (encryption on, plain documents not
 * accepted), so the plain documents a migration to encryption leaves behind are swept too.
 * Quarantined copies are never deleted. Several processes may sweep one directory at the same
 * time: each deletion is exact, files deleted by another process during the listing are skipped,
 * at worst a document is examined twice.
 *
 * <p>Thread-safe: runs never overlap (one waits for the other). {@link #start} runs them on a daemon
 * thread of its own; {@link #close()} stops that thread and gives up the storage call a run waits
 * for, also one that does not answer, whichever thread runs it.
 */
public final class ExpirySweeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExpirySweeper.class);
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(1);
    /** How long {@link #close()} waits for a run in progress to stop. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /** How long a run waits, once closed, for a storage call under way to answer (less than CLOSE_WAIT). */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    /**
     * What one run did.
     *
     * @param examined documents read
     * @param deleted expired documents deleted
     */
    public record Sweep(int examined, int deleted) {
    }

    private final FileSystemStorageBackend backend;
    private final StashSettings settings;
    private final DocumentCodec codec;
    private final int maxFilesPerRun;
    private final LongAdder swept = new LongAdder();
    private @Nullable String cursor; // guarded by running
    /** Held by a run: runs never overlap, and close() waits for the one in progress. */
    private final ReentrantLock running = new ReentrantLock();
    /** Completed by close(): a run's wait for a storage call ends then. */
    private final CompletableFuture<Void> closing = new CompletableFuture<>();
    private @Nullable ScheduledExecutorService scheduler; // guarded by lifecycle
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    /** Test hook: runs after a document was found expired, before it is deleted. */
    private volatile Consumer<String> beforeDelete = key -> { };

    /**
     * @param backend the store to sweep
     * @param settings the engine's settings: key prefix, secrets (to open encrypted documents), clock
     * @param maxFilesPerRun how many documents one run reads at most; positive
     */
    public ExpirySweeper(FileSystemStorageBackend backend, StashSettings settings, int maxFilesPerRun) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.codec = settings.documentCodec();
        if (maxFilesPerRun <= 0) {
            throw new IllegalArgumentException("maxFilesPerRun must be positive, was " + maxFilesPerRun);
        }
        this.maxFilesPerRun = maxFilesPerRun;
    }

    /**
     * Sweeps every {@code interval} (the first run one interval from now) on a daemon thread of its
     * own, until {@link #close()}. A failed run is logged (a {@code RuntimeException} as a WARN,
     * an {@code Error} of any kind as an ERROR with its stack trace) and the next one runs as planned.
     *
     * @throws IllegalStateException if already started
     */
    public void start(Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        synchronized (lifecycle) {
            startLocked(interval);
        }
    }

    private void startLocked(Duration interval) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "durable-stash-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::sweepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        scheduler = timer;
    }

    /**
     * Runs one sweep now, in the calling thread (blocking on the backend's I/O). Once the sweeper is
     * {@linkplain #close() closed} it reads nothing; a run in progress then stops, after waiting up to 2
     * seconds for a storage call under way, and returns what it did.
     *
     * @return what it did
     * @throws dev.durablestash.storage.StorageException or another runtime exception when the
     *     listing fails; a failure to read or delete one document only skips it
     */
    public Sweep sweepOnce() {
        running.lock();
        try {
            return sweepLocked();
        } finally {
            running.unlock();
        }
    }

    private Sweep sweepLocked() {
        if (closed) {
            return new Sweep(0, 0);
        }
        List<String> keys;
        try {
            keys = join(backend.listKeys(settings.keyPrefix(), cursor, maxFilesPerRun));
        } catch (RuntimeException e) {
            if (closed) {
                return new Sweep(0, 0); // its listing given up by close()
            }
            throw e;
        }
        int examined = 0;
        int deleted = 0;
        for (String key : keys) {
            if (closed) {
                return new Sweep(examined, deleted); // the cursor stays: nothing runs after close anyway
            }
            cursor = key;
            if (key.contains(".corrupt-")) {
                continue; // a quarantined copy: kept for whoever investigates it
            }
            examined++;
            try {
                if (sweep(key)) {
                    deleted++;
                    swept.increment(); // counted at once: a run that close() stops returns early
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return new Sweep(examined, deleted); // its storage call given up by close()
                }
                log.warn("expiry sweep skipped storage key {}: {}", key, e.toString());
            }
        }
        if (keys.size() < maxFilesPerRun) {
            cursor = null; // reached the end: the next run starts from the first key again
        }
        return new Sweep(examined, deleted);
    }

    private boolean sweep(String key) {
        if (!(join(backend.get(key, null)) instanceof GetResult.Found found)) {
            return false;
        }
        SessionDocument doc;
        try {
            // Only the expiry matters, so a plain document is read even where the engine refuses to
            // serve it (encryption on, plain documents refused): deleting an expired one is safe
            // whoever wrote it, and it is how plain documents left from before a migration go away.
            doc = DocumentCodec.isEnvelope(found.body()) ? codec.decode(found.body(), key)
                    : SessionDocument.parse(found.body());
        } catch (SessionDocument.CorruptDocumentException | StashException e) {
            return false; // not ours to judge: the engine keeps unreadable documents aside when it meets them
        }
        if (!doc.isExpired(settings.clock().instant())) {
            return false;
        }
        beforeDelete.accept(key);
        if (closed) {
            return false; // no delete starts after close()
        }
        // Compare-and-swap under the key's lock: a document rewritten since it was read stays.
        return join(backend.delete(key, found.etag()));
    }

    private void sweepQuietly() {
        try {
            Sweep sweep = sweepOnce();
            log.debug("expiry sweep of {}: {} documents examined, {} deleted", backend.describe(), sweep.examined(),
                    sweep.deleted());
        } catch (RuntimeException e) {
            if (closed) {
                log.debug("expiry sweep of {} stopped by close(): {}", backend.describe(), e.toString());
                return;
            }
            log.warn("expiry sweep of {} failed, trying again at the next interval: {}", backend.describe(), e.toString());
        } catch (Throwable e) {
            // A scheduled task that throws is never run again, silently. So nothing escapes, Errors
            // included: even an OutOfMemoryError is most often one oversized allocation (a huge file)
            // that is gone once the run ended, and a sweeper that stops unseen is worse than one that
            // reports each failed run as an ERROR and tries again.
            log.error("expiry sweep of {} failed, trying again at the next interval: {}", backend.describe(),
                    e.toString(), e);
        }
    }

    /**
     * @return expired documents deleted since this sweeper was created (a document that another
     *     process deleted between this sweeper's read and its delete is counted by both)
     */
    public long swept() {
        return swept.sum();
    }

    /** Test hook: {@code hook} runs with the key after a document was found expired, before it is deleted. */
    void beforeDelete(Consumer<String> hook) {
        this.beforeDelete = hook;
    }

    /**
     * Stops the scheduled runs. A run in progress, scheduled or run by hand on any thread, stops without
     * a log line: it waits up to 2 seconds for a storage call under way to answer (a delete that answers is
     * counted) and starts none. close() waits for it at most 5 seconds, never for a storage call that does
     * not answer. Later {@link #sweepOnce()} calls read nothing.
     * Idempotent; may be called from within a run.
     */
    @Override
    public void close() {
        closed = true;
        closing.complete(null);
        ScheduledExecutorService timer;
        synchronized (lifecycle) {
            timer = scheduler;
        }
        if (timer != null) {
            timer.shutdown(); // no later run; the one in progress ends once its wait is given up
        }
        try {
            if (running.tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                running.unlock();
            } else {
                log.warn("expiry sweep of {} did not stop within {} of close()", backend.describe(), CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for a storage call, at most {@link #CALL_TIMEOUT}, and no longer than until close(). */
    private <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        CompletableFuture<T> call = stage.toCompletableFuture();
        try {
            CompletableFuture.anyOf(call, closing).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!call.isDone()) {
                // Closed: a call under way gets a moment to answer, so that what it did is known (a delete
                // counted); one that does not answer by then is given up.
                try {
                    return call.get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new CancellationException("the sweeper was closed");
                }
            }
            return call.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new CompletionException(e.getCause());
        } catch (TimeoutException e) {
            throw new CompletionException("the storage did not answer within " + CALL_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
    }
}
