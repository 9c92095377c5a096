package dev.durablestash.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The single in-JVM owner of one session document.
 *
 * <h2>Design</h2>
 * <p><b>Confinement, not locks.</b> All mutable state below the "runner-confined" line is touched
 * only by tasks of this actor's serial runner: a lock-free task queue drained by at most one task at a
 * time on the shared executor. No thread belongs to a session; an idle actor costs a few objects.
 *
 * <p><b>Operations and I/O.</b> Callers' operations ({@link RecoverOp}, {@link StashOp}) wait in
 * {@code waiting}. While no storage request is in flight ({@code busy == false}) the actor takes the
 * oldest operation and, with it, every other waiting operation of the same kind: all waiting recovers
 * share one (conditional) GET, all waiting stashes are merged into one PUT (group commit). A storage
 * request's completion is posted back to the runner as a task; nothing here ever waits for I/O.
 *
 * <p><b>The actor's own writes.</b> Answering a recover may call for writes: clearing
 * {@code RECONNECT} keys on a fresh mount, writing back a migrated slice, refreshing the expiry. They
 * go to the front of {@code waiting}, so they take the recover's place in the order and can never
 * undo a stash that arrived while the recover was reading. Migration write-backs only replace a slice
 * still stored under an older {@code vsn}.
 *
 * <p><b>Writes.</b> The batch's diffs are applied, in arrival order, to the cached document; the
 * result is written with {@code If-Match} (or {@code If-None-Match: *}). Callers complete only when
 * that PUT succeeded. On a precondition failure the actor waits a jittered backoff, re-reads the
 * document, re-applies the batch's diffs (plus any stashes that arrived meanwhile) and tries again,
 * up to {@link StashSettings#maxWriteAttempts()}. On a storage error the callers fail and the cached
 * document is dropped, so the next operation re-reads whatever storage really holds (a lost
 * response is harmless: diffs are idempotent).
 *
 * <p><b>Lifecycle.</b> The registry may retire an actor (idle or over the cap). A retired actor
 * refuses new operations but finishes those it accepted; {@link #drained()} completes when it, and
 * every earlier actor of the same session, has none left. A successor actor for the same key waits
 * for that before its first storage request, so there is never more than one writer per session in a
 * JVM. Every operation ends: a storage failure, a backend that throws, or a bug fails it rather than
 * leaving its caller waiting.
 */
final class SessionActor {

    private static final Logger log = LoggerFactory.getLogger(SessionActor.class);

    /** A caller's operation, finished exactly once by the actor. */
    sealed interface Op permits RecoverOp, StashOp {
    }

    record RecoverOp(ViewDefinition view, MountKind mount, CompletableFuture<Recovery> result) implements Op {
    }

    /** {@code internal} marks the actor's own writes (cleanup, expiry refresh, migration): no caller waits. */
    record StashOp(SliceDiff diff, CompletableFuture<Void> result, boolean internal) implements Op {
    }

    private final String key;
    private final List<String> legacyKeys;
    private final StorageBackend backend;
    private final StashSettings settings;
    private final ValueCodec codec;
    private final EngineCounters counters;
    private final Executor executor;

    // Serial runner.
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // Lifecycle, guarded by "this".
    private int outstanding;
    private boolean retired;
    private final CompletableFuture<Void> ownWorkDone = new CompletableFuture<>();
    /** {@code ownWorkDone}, and the predecessor's {@code drained}: the chain of writers never breaks. */
    private final CompletableFuture<Void> drained;

    // ---- runner-confined state ----
    private final ArrayDeque<Op> waiting = new ArrayDeque<>();
    /** Writes the recover being answered asks for; they take its place in the order (see answer). */
    private final List<StashOp> produced = new ArrayList<>();
    /** A storage request (or a backoff, or the predecessor) is in flight: operations wait. */
    private boolean busy;
    /** {@code document} and {@code etag} reflect what storage held when last read or written. */
    private boolean loaded;
    private SessionDocument document = SessionDocument.empty();
    /** ETag of the object under {@code key}; {@code null} when it does not exist. */
    private @Nullable String etag;
    /** Where the document was found when it was stored under a previous secret, until it is moved. */
    private @Nullable String legacyKey;
    private @Nullable String legacyEtag;
    /** An expired version the store refused to delete conditionally: not asked again. */
    private @Nullable String undeletableEtag;

    SessionActor(String key, List<String> legacyKeys, StorageBackend backend, StashSettings settings, ValueCodec codec,
            EngineCounters counters, Executor executor, @Nullable CompletionStage<Void> predecessor) {
        this.key = key;
        this.legacyKeys = legacyKeys;
        this.backend = backend;
        this.settings = settings;
        this.codec = codec;
        this.counters = counters;
        this.executor = executor;
        this.drained = predecessor == null ? ownWorkDone
                : ownWorkDone.thenCombine(predecessor.toCompletableFuture(), (mine, theirs) -> null);
        if (predecessor != null && !predecessor.toCompletableFuture().isDone()) {
            busy = true;
            predecessor.whenComplete((ignored, error) -> run(() -> {
                busy = false;
                pump();
            }));
        }
    }

    // ---- called from any thread ----

    /**
     * Hands an operation to the actor.
     *
     * @return {@code false} if the actor is retired: look up the current actor and try again
     */
    boolean submit(Op op) {
        synchronized (this) {
            if (retired) {
                return false;
            }
            outstanding++;
        }
        run(() -> {
            waiting.add(op);
            pump();
        });
        return true;
    }

    /** Refuses further operations; {@link #drained()} completes once the accepted ones are finished. */
    synchronized void retire() {
        retired = true;
        if (outstanding == 0) {
            ownWorkDone.complete(null);
        }
    }

    /**
     * @return completes when the actor is retired and has finished every operation it accepted, and so
     *     has every earlier actor of the same session
     */
    CompletableFuture<Void> drained() {
        return drained;
    }

    String key() {
        return key;
    }

    private synchronized void acquireInternal() {
        outstanding++;
    }

    private synchronized void release() {
        outstanding--;
        if (retired && outstanding == 0) {
            ownWorkDone.complete(null);
        }
    }

    private void run(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drainTasks);
        }
    }

    private void drainTasks() {
        int ran = 0;
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("session actor task failed unexpectedly", e);
            }
            if (++ran == 256) {
                break; // let other actors run
            }
        }
        scheduled.set(false);
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            executor.execute(this::drainTasks);
        }
    }

    // ---- runner-confined from here on ----

    private void pump() {
        while (!busy && !waiting.isEmpty()) {
            if (waiting.peek() instanceof RecoverOp) {
                List<RecoverOp> batch = drain(RecoverOp.class);
                guarded(batch, () -> startRecover(batch));
            } else {
                List<StashOp> batch = drain(StashOp.class);
                guarded(batch, () -> startWrite(batch));
            }
        }
    }

    /** A bug or a misbehaving backend must not leave callers waiting forever. */
    private void guarded(List<? extends Op> batch, Runnable start) {
        try {
            start.run();
        } catch (RuntimeException | Error e) {
            log.error("session actor failed unexpectedly; failing {} operation(s)", batch.size(), e);
            busy = false;
            loaded = false;
            for (Op op : batch) {
                abandon(op, e);
            }
            for (StashOp op : produced) {
                abandon(op, e);
            }
            produced.clear();
        }
    }

    private <T extends Op> List<T> drain(Class<T> kind) {
        List<T> batch = new ArrayList<>();
        for (Iterator<Op> it = waiting.iterator(); it.hasNext();) {
            Op op = it.next();
            if (kind.isInstance(op)) {
                batch.add(kind.cast(op));
                it.remove();
            }
        }
        return batch;
    }

    /**
     * Starts an asynchronous step; its continuation runs on the runner, then the actor moves on. A
     * step that throws instead of returning a stage (the SPI allows {@link IllegalArgumentException}
     * at once) fails like a failed stage.
     */
    private <T> void io(Supplier<? extends CompletionStage<T>> step, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        CompletionStage<T> stage;
        try {
            stage = step.get();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        busy = true;
        stage.whenComplete((result, error) -> run(() -> {
            busy = false;
            try {
                if (error != null) {
                    onFailure.accept(unwrap(error));
                } else {
                    onSuccess.accept(result);
                }
            } catch (RuntimeException | Error e) {
                log.error("session actor step failed unexpectedly", e);
                loaded = false;
                onFailure.accept(e);
            }
            pump();
        }));
    }

    // ---- recover ----

    private void startRecover(List<RecoverOp> batch) {
        counters.recovers.add(batch.size());
        Consumer<Throwable> fail = error -> {
            log.warn("recover failed, the view keeps its defaults: {}", error.toString());
            for (RecoverOp op : batch) {
                finish(op, Recovery.error(error));
            }
        };
        if (loaded && !settings.revalidateOnMount()) {
            if (document.isExpired(settings.clock().instant())) {
                dropExpired(() -> answer(batch), fail);
            } else {
                answer(batch);
            }
            return;
        }
        load(() -> answer(batch), fail);
    }

    private void answer(List<RecoverOp> batch) {
        Instant now = settings.clock().instant();
        List<Recovery> results = new ArrayList<>(batch.size());
        for (RecoverOp op : batch) {
            results.add(recoverView(op.view(), op.mount()));
        }
        refreshExpiryIfDue(now);
        // Writes these recovers ask for (clearing RECONNECT keys, migration write-backs) belong to
        // the recovers' place in the order: before any stash that arrived while they were read.
        for (int i = produced.size() - 1; i >= 0; i--) {
            waiting.addFirst(produced.get(i));
        }
        produced.clear();
        for (int i = 0; i < batch.size(); i++) {
            finish(batch.get(i), results.get(i));
        }
    }

    private Recovery recoverView(ViewDefinition view, MountKind mount) {
        SessionDocument.Slice slice = document.slice(view.name());
        if (slice == null) {
            return Recovery.notFound();
        }
        ObjectNode data = slice.data();
        if (slice.vsn() != view.vsn()) {
            ObjectNode migrated = migrate(view, slice);
            if (migrated == null) {
                return Recovery.notFound();
            }
            Map<String, JsonNode> writeBack = new LinkedHashMap<>();
            migrated.properties().forEach(e -> writeBack.put(e.getKey(), e.getValue()));
            enqueueInternal(SliceDiff.replace(view, writeBack));
            data = migrated;
        }
        Map<String, @Nullable Object> values = new LinkedHashMap<>();
        Set<String> reconnectToClear = new LinkedHashSet<>();
        for (StoredKey storedKey : view.keys().values()) {
            JsonNode node = data.get(storedKey.name());
            if (node == null) {
                continue;
            }
            if (storedKey.scope() == Scope.RECONNECT && mount == MountKind.FRESH) {
                reconnectToClear.add(storedKey.name());
                continue;
            }
            try {
                values.put(storedKey.name(), codec.decode(node, storedKey.type()));
            } catch (RuntimeException e) { // JacksonException, or whatever a custom deserializer throws
                log.warn("stored value of key '{}' of view '{}' does not fit {}; the view keeps its default: {}",
                        storedKey.name(), view.name(), storedKey.type().getTypeName(), e.getMessage());
            }
        }
        if (!reconnectToClear.isEmpty()) {
            enqueueInternal(SliceDiff.of(view, Map.of(), reconnectToClear));
        }
        return Recovery.recovered(values);
    }

    /** @return the migrated data, or {@code null} when the slice is dropped */
    private @Nullable ObjectNode migrate(ViewDefinition view, SessionDocument.Slice slice) {
        Migrator migrator = view.migrator();
        if (migrator == null) {
            log.debug("view '{}' is stored with vsn {}, current vsn is {} and there is no migrator: dropped",
                    view.name(), slice.vsn(), view.vsn());
            return null;
        }
        ObjectNode migrated;
        try {
            migrated = migrator.migrate(slice.vsn(), slice.data().deepCopy());
        } catch (RuntimeException e) {
            log.error("migrator of view '{}' failed from vsn {} to {}; the stored slice is ignored",
                    view.name(), slice.vsn(), view.vsn(), e);
            return null;
        }
        if (migrated == null) {
            enqueueInternal(SliceDiff.dropStale(view));
        }
        return migrated;
    }

    /** Reads refresh the expiry only when less than half the TTL is left: no write per request. */
    private void refreshExpiryIfDue(Instant now) {
        Instant expiresAt = document.expiresAt();
        if (etag == null || expiresAt == null || hasWaitingStash()) {
            return;
        }
        Duration left = Duration.between(now, expiresAt);
        if (left.compareTo(settings.ttl().dividedBy(2)) < 0) {
            enqueueInternal(SliceDiff.touch());
        }
    }

    private boolean hasWaitingStash() {
        for (Op op : waiting) {
            if (op instanceof StashOp) {
                return true;
            }
        }
        return false;
    }

    private void enqueueInternal(SliceDiff diff) {
        acquireInternal();
        produced.add(new StashOp(diff, new CompletableFuture<>(), true));
    }

    // ---- load ----

    /** Brings {@code document} and {@code etag} up to date with storage (a conditional GET when warm). */
    private void load(Runnable onLoaded, Consumer<Throwable> onFailure) {
        String ifNoneMatch = loaded ? etag : null;
        counters.gets.increment();
        io(() -> backend.get(key, ifNoneMatch), result -> {
            if (result instanceof GetResult.NotModified) {
                counters.notModified.increment();
                afterLoad(onLoaded, onFailure);
            } else if (result instanceof GetResult.Found found) {
                StashException unusable = adopt(found.body(), found.etag());
                if (unusable != null) {
                    onFailure.accept(unusable);
                    return;
                }
                legacyKey = null;
                afterLoad(onLoaded, onFailure);
            } else {
                etag = null;
                document = SessionDocument.empty();
                loadLegacy(0, onLoaded, onFailure);
            }
        }, failure(onFailure));
    }

    private Consumer<Throwable> failure(Consumer<Throwable> onFailure) {
        return error -> {
            counters.storageErrors.increment();
            loaded = false;
            onFailure.accept(error);
        };
    }

    /**
     * @return {@code null} when the body became the cached document, or why it cannot be used
     */
    private @Nullable StashException adopt(byte[] body, String newEtag) {
        try {
            document = SessionDocument.parse(body);
        } catch (SessionDocument.CorruptDocumentException e) {
            // Defined outcome: the session starts empty and the next write replaces the bad object.
            log.error("{} (storage key {}); the session starts empty and the next write replaces it", e.getMessage(), key);
            document = SessionDocument.empty();
        } catch (SessionDocument.UnsupportedFormatException e) {
            loaded = false;
            return e;
        }
        etag = newEtag;
        loaded = true;
        return null;
    }

    private void afterLoad(Runnable onLoaded, Consumer<Throwable> onFailure) {
        if (document.isExpired(settings.clock().instant())) {
            dropExpired(onLoaded, onFailure);
        } else {
            onLoaded.run();
        }
    }

    /** Expired means absent: delete it lazily, unless another writer revived it meanwhile. */
    private void dropExpired(Runnable onLoaded, Consumer<Throwable> onFailure) {
        String expiredEtag = etag;
        if (expiredEtag == null || expiredEtag.equals(undeletableEtag)) {
            // Absent in memory; the next write replaces the stored object (If-Match on its ETag).
            document = SessionDocument.empty();
            onLoaded.run();
            return;
        }
        counters.deletes.increment();
        io(() -> backend.delete(key, expiredEtag), deleted -> {
            if (deleted) {
                document = SessionDocument.empty();
                etag = null;
                loaded = true;
                onLoaded.run();
            } else {
                // Changed meanwhile: re-read. Should the store refuse to delete this very version
                // again, it is not asked twice.
                undeletableEtag = expiredEtag;
                loaded = false;
                load(onLoaded, onFailure);
            }
        }, failure(onFailure));
    }

    private void loadLegacy(int index, Runnable onLoaded, Consumer<Throwable> onFailure) {
        if (index >= legacyKeys.size()) {
            legacyKey = null;
            loaded = true;
            onLoaded.run();
            return;
        }
        String candidate = legacyKeys.get(index);
        counters.gets.increment();
        io(() -> backend.get(candidate, null), result -> {
            if (result instanceof GetResult.Found found) {
                SessionDocument legacy;
                try {
                    legacy = SessionDocument.parse(found.body());
                } catch (SessionDocument.CorruptDocumentException e) {
                    log.warn("{} under a previous secret's key; ignored", e.getMessage());
                    loadLegacy(index + 1, onLoaded, onFailure);
                    return;
                }
                if (!legacy.isExpired(settings.clock().instant())) {
                    document = legacy;
                    legacyKey = candidate;
                    legacyEtag = found.etag();
                    loaded = true;
                    enqueueInternal(SliceDiff.touch()); // move the state to the current secret's key now
                    onLoaded.run();
                    return;
                }
            }
            loadLegacy(index + 1, onLoaded, onFailure);
        }, failure(onFailure));
    }

    // ---- write ----

    private void startWrite(List<StashOp> batch) {
        if (loaded) {
            write(batch, 1);
        } else {
            load(() -> write(batch, 1), error -> failAll(batch, error));
        }
    }

    /** A write's (re)load may ask for writes of its own (moving off a legacy key): they join the batch. */
    private void joinProduced(List<StashOp> batch) {
        batch.addAll(0, produced);
        produced.clear();
    }

    private void write(List<StashOp> batch, int attempt) {
        joinProduced(batch);
        Instant now = settings.clock().instant();
        if (document.isExpired(now)) {
            // Expired means absent, also for a warm actor: nothing of it may come back (the ETag stays,
            // so the write replaces the expired object with If-Match).
            document = SessionDocument.empty();
        }
        Instant expiresAt = now.plus(settings.ttl());
        SessionDocument next = document;
        for (StashOp op : batch) {
            next = next.apply(op.diff());
        }
        next = next.withExpiry(expiresAt);
        if (etag == null && legacyKey == null && !next.hasViews() && !settings.revalidateOnMount()) {
            // Nothing stored and nothing to store. Only a single instance may trust "nothing stored"
            // without asking: with several, writing (If-None-Match: *) finds out.
            finishAll(batch);
            return;
        }
        byte[] body = next.toBytes();
        if (body.length > settings.maxDocumentBytes()) {
            next = applyWithinLimit(batch, expiresAt);
            if (batch.isEmpty()) {
                return;
            }
            body = next.toBytes();
        }
        SessionDocument written = next;
        byte[] content = body;
        Precondition precondition = etag == null ? Precondition.absent() : Precondition.matching(etag);
        counters.puts.increment();
        io(() -> backend.put(key, content, precondition), result -> {
            if (result instanceof PutResult.Written ok) {
                document = written;
                etag = ok.etag();
                loaded = true;
                moveOffLegacyKey();
                finishAll(batch);
            } else {
                counters.conflicts.increment();
                retryAfterConflict(batch, attempt);
            }
        }, failure(error -> failAll(batch, error)));
    }

    private void retryAfterConflict(List<StashOp> batch, int attempt) {
        loaded = false;
        if (attempt >= settings.maxWriteAttempts()) {
            for (StashOp op : batch) {
                fail(op, new StashConflictException(viewOf(op), attempt));
            }
            return;
        }
        long delayMicros = backoffMicros(attempt);
        Executor delayed = CompletableFuture.delayedExecutor(delayMicros, TimeUnit.MICROSECONDS, executor);
        io(() -> CompletableFuture.runAsync(() -> { }, delayed), ignored -> load(() -> {
            batch.addAll(drain(StashOp.class)); // group commit under contention, too
            write(batch, attempt + 1);
        }, error -> failAll(batch, error)), error -> failAll(batch, error));
    }

    /** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
    private long backoffMicros(int attempt) {
        long base = settings.retryBackoff().toNanos() / 1000;
        long cap = settings.maxRetryBackoff().toNanos() / 1000;
        long ceiling = Math.min(cap, base << Math.min(attempt - 1, 20));
        return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    /** The batch's document is too large: apply diffs one at a time and fail those that overflow it. */
    private SessionDocument applyWithinLimit(List<StashOp> batch, Instant expiresAt) {
        SessionDocument next = document;
        for (Iterator<StashOp> it = batch.iterator(); it.hasNext();) {
            StashOp op = it.next();
            SessionDocument trial = next.apply(op.diff()).withExpiry(expiresAt);
            int size = trial.toBytes().length;
            if (size > settings.maxDocumentBytes()) {
                it.remove();
                fail(op, new StashWriteException(viewOf(op), "stash of view '" + viewOf(op)
                        + "' would make the session document " + size + " bytes, more than the limit of "
                        + settings.maxDocumentBytes() + " bytes (max-document-size); nothing was written", null));
            } else {
                next = trial;
            }
        }
        return next;
    }

    private void moveOffLegacyKey() {
        String oldKey = legacyKey;
        if (oldKey == null) {
            return;
        }
        String oldEtag = legacyEtag;
        legacyKey = null;
        legacyEtag = null;
        counters.deletes.increment();
        backend.delete(oldKey, oldEtag).whenComplete((deleted, error) -> {
            if (error != null) {
                log.warn("state moved to the current secret's key, but the old object was not deleted: {}", error.toString());
            }
        });
    }

    // ---- finishing operations ----

    // Only the actor completes these futures (callers get copies), so isDone() tells whether an
    // operation has ended. Counters move before the caller can see the completion.

    private void finish(RecoverOp op, Recovery recovery) {
        if (!op.result().isDone()) {
            op.result().complete(recovery);
            release();
        }
    }

    private void finishAll(List<StashOp> batch) {
        for (StashOp op : batch) {
            if (!op.result().isDone()) {
                if (!op.internal()) {
                    counters.acknowledged.increment();
                }
                op.result().complete(null);
                release();
            }
        }
    }

    private void failAll(List<StashOp> batch, Throwable error) {
        joinProduced(batch);
        for (StashOp op : batch) {
            String view = viewOf(op);
            fail(op, error instanceof StashWriteException swe ? swe
                    : new StashWriteException(view, "stash of view '" + view + "' was not acknowledged: "
                            + describe(error), error));
        }
    }

    private void fail(StashOp op, StashWriteException error) {
        if (!op.result().isDone()) {
            if (op.internal()) {
                log.warn("background write of the session document failed: {}", error.getMessage());
            } else {
                counters.failed.increment();
            }
            op.result().completeExceptionally(error);
            release();
        }
    }

    /** Ends an operation that an unexpected error interrupted; does nothing if it already ended. */
    private void abandon(Op op, Throwable error) {
        if (op instanceof RecoverOp recover) {
            finish(recover, Recovery.error(error));
        } else {
            StashOp stash = (StashOp) op;
            String view = viewOf(stash);
            fail(stash, new StashWriteException(view, "stash of view '" + view + "' failed unexpectedly: "
                    + describe(error), error));
        }
    }

    private static String viewOf(StashOp op) {
        return op.diff().isTouch() ? "(none)" : op.diff().view();
    }

    private static String describe(Throwable error) {
        return error.getMessage() != null ? error.getMessage() : error.getClass().getName();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
