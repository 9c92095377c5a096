package dev.durablestash.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single in-JVM owner of one session document: the policy. Its mechanisms live beside it: the
 * {@link SerialRunner} it runs on, {@link SessionStorage} (reads, compare-and-swap writes, secret
 * rotation), {@link ViewRecovery} and {@link SessionDocument#apply} (the read and merge rules).
 *
 * <h2>Design</h2>
 * <p><b>Confinement, not locks.</b> Fields marked {@code @GuardedBy("runner")} are touched only by
 * tasks of this actor's serial runner, one at a time. No thread belongs to a session; an idle actor
 * costs a few objects. Nothing here waits for I/O: a storage step's completion comes back to the
 * runner as a task. Which thread runs the tasks (see {@link SerialRunner}): the caller's, when it
 * submits to an idle actor (so an operation whose storage answers at once, or needs no storage at
 * all, is done before {@link #submit} returns); the thread on which a storage call answered (a
 * backend's or the SDK's completion thread, or the deadline timer's hand-off); and the engine's
 * executor when a thread that is already running an actor's tasks queues work for another actor, or
 * after a long run of tasks. Callers' stages complete on whichever of these runs the task that
 * finishes the operation, so their dependent actions run there too and must not block.
 *
 * <p><b>Arrival order.</b> Callers' operations ({@link RecoverOp}, {@link StashOp}) queue in
 * {@code waiting} in the order they arrived. While no storage step is in flight ({@code busy}
 * false), the actor takes the oldest operation and the <em>contiguous</em> run of operations of the
 * same kind behind it: recovers share one (conditional) GET, stashes are merged into one PUT (group
 * commit). A batch never reaches past an operation of the other kind, so no operation overtakes an
 * earlier one or is undone by one that arrived before it. A recover batch is answered in order, each
 * recover seeing the writes of those before it (a fresh mount's cleared draft is gone for the rejoin
 * queued behind it). A change of the whole session ({@link RotateOp}, {@link EndOp}) runs alone
 * in its place: after every operation that arrived before it, before any that arrived after it.
 *
 * <p><b>The actor's own writes.</b> Answering a recover may call for writes: clearing
 * {@code RECONNECT} keys on a fresh mount, writing back a migrated slice, refreshing the expiry,
 * moving the document off an older secret's key. They go to the front of {@code waiting}: they take
 * the recover's place in the order, before any stash that arrived while it was read. Migration
 * write-backs only replace a slice still stored under an older {@code vsn}.
 *
 * <p><b>Writes.</b> The batch's diffs are applied, in arrival order, to the cached document and the
 * result is written with compare-and-swap. Callers complete only when that write succeeded. On a
 * conflict the actor waits a jittered backoff, re-reads the document, re-applies the batch's diffs
 * (plus the stashes that arrived meanwhile at the head of the queue) and tries again, up to
 * {@link StashSettings#maxWriteAttempts()}. On a storage error the callers fail and the cache is
 * dropped, so the next operation re-reads what storage really holds (diffs are idempotent, so a lost
 * answer is harmless).
 *
 * <p><b>Session id rotation and end.</b> A rotation copies the live state to the storage key of a
 * new, never-issued session id (no other writer can know that id yet), then removes the object it
 * copied with compare-and-swap on its version; should another instance have written meanwhile, it
 * copies again (over its own copy) and retries, so every write acknowledged before the rotation
 * completes is carried over. An end removes the object and loads again until no key holds state.
 * Afterwards this session is empty: an operation of it that arrives later sees defaults, and a
 * write creates a new document under its old key, which nobody reads again once the browser holds
 * the new cookie, and which expires. State is never forwarded from the old id to the new one: that
 * would hand it to whoever else holds the old id.
 *
 * <p><b>Deadlines.</b> Every storage call fails after the operation timeout ({@link TimedStorage});
 * its late answer is dropped like a lost one, so a stalled store never wedges the actor. Every
 * operation has a deadline too: its caller is answered at the deadline whatever the actor is doing,
 * and an operation still queued then leaves the queue unstarted ({@link #expire}).
 *
 * <p><b>Lifecycle.</b> The registry may retire an actor (idle or over the cap). A retired actor
 * refuses new operations but finishes those it accepted; {@link #drained()} completes when it, and
 * every earlier actor of the same session, has none left. A successor for the same session waits for
 * that before its first storage step, so there is never more than one writer per session in a JVM.
 * Every operation ends: a storage failure, a backend that throws, or a bug fails it rather than
 * leaving its caller waiting.
 */
final class SessionActor {

    private static final Logger log = LoggerFactory.getLogger(SessionActor.class);

    /** A caller's operation, finished exactly once by the actor. */
    sealed interface Op permits RecoverOp, StashOp, SessionChange {
    }

    /** A change of the whole session: runs alone, in its place in the arrival order. */
    sealed interface SessionChange extends Op permits RotateOp, EndOp {

        CompletableFuture<Void> result();

        String name();
    }

    record RecoverOp(ViewDefinition view, MountKind mount, CompletableFuture<Recovery> result) implements Op {
    }

    /** {@code internal} marks the actor's own writes (cleanup, expiry refresh, migration, moves): no caller waits. */
    record StashOp(SliceDiff diff, CompletableFuture<Void> result, boolean internal) implements Op {
    }

    /** Moves the session's state to {@code target}, the storage key of a brand-new session id, and removes it here. */
    record RotateOp(String target, CompletableFuture<Void> result) implements SessionChange {

        @Override
        public String name() {
            return "rotate";
        }
    }

    /** Removes the session's state. */
    record EndOp(CompletableFuture<Void> result) implements SessionChange {

        @Override
        public String name() {
            return "end";
        }
    }

    private final StashSettings settings;
    private final ValueCodec codec;
    private final EngineCounters counters;
    private final Deadlines deadlines;
    private final SerialRunner runner;
    private final SessionStorage storage;

    @GuardedBy("this")
    private int outstanding;
    @GuardedBy("this")
    private boolean retired;
    private final CompletableFuture<Void> ownWorkDone = new CompletableFuture<>();
    /** {@code ownWorkDone}, and the predecessor's {@code drained}: the chain of writers never breaks. */
    private final CompletableFuture<Void> drained;

    /** Small at first (most sessions queue one operation at a time); it grows when operations pile up. */
    @GuardedBy("runner")
    private final ArrayDeque<Op> waiting = new ArrayDeque<>(1);
    /** A storage step, a backoff or the predecessor is in flight: operations wait. */
    @GuardedBy("runner")
    private boolean busy;

    SessionActor(StorageKeys.SessionKeys keys, TimedStorage timedStorage, StashSettings settings, ValueCodec codec,
            EngineCounters counters, SerialRunner runner, Deadlines deadlines, @Nullable CompletionStage<Void> predecessor) {
        this.settings = settings;
        this.codec = codec;
        this.counters = counters;
        this.deadlines = deadlines;
        this.runner = runner;
        this.storage = new SessionStorage(keys, timedStorage, settings, counters, runner);
        this.drained = predecessor == null ? ownWorkDone
                : ownWorkDone.thenCombine(predecessor.toCompletableFuture(), (mine, theirs) -> null);
        if (predecessor != null && !predecessor.toCompletableFuture().isDone()) {
            busy = true;
            predecessor.whenComplete((ignored, error) -> runner.execute(() -> {
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
        runner.execute(() -> {
            waiting.add(op);
            pump();
        });
        return true;
    }

    /** The operation's caller was answered at its deadline: if it has not started, it never will. */
    void expire(Op op, Throwable timeout) {
        runner.execute(() -> {
            if (waiting.remove(op)) {
                abandon(op, timeout);
            }
        });
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

    private synchronized void acquireInternal() {
        outstanding++;
    }

    private synchronized void release() {
        outstanding--;
        if (retired && outstanding == 0) {
            ownWorkDone.complete(null);
        }
    }

    // ---- runner-confined from here on ----

    private void pump() {
        while (!busy && !waiting.isEmpty()) {
            Op head = waiting.peek();
            if (head instanceof RecoverOp) {
                List<RecoverOp> batch = takeRun(RecoverOp.class);
                guarded(batch, () -> startRecover(batch));
            } else if (head instanceof StashOp) {
                List<StashOp> batch = takeRun(StashOp.class);
                guarded(batch, () -> startWrite(batch));
            } else {
                SessionChange change = (SessionChange) waiting.poll();
                guarded(List.of(change), () -> startChange(change, 1, null));
            }
        }
    }

    /** Takes the operations of one kind at the head of the queue, up to the first of the other kind. */
    private <T extends Op> List<T> takeRun(Class<T> kind) {
        List<T> run = new ArrayList<>();
        while (kind.isInstance(waiting.peek())) {
            run.add(kind.cast(waiting.poll()));
        }
        return run;
    }

    /** A bug or a misbehaving backend must not leave callers waiting forever. */
    private void guarded(List<? extends Op> batch, Runnable start) {
        try {
            start.run();
        } catch (Throwable e) { // also a checked exception thrown undeclared (Kotlin, sneaky throws)
            log.error("session actor failed unexpectedly; failing {} operation(s)", batch.size(), e);
            busy = false;
            storage.forget();
            for (Op op : batch) {
                abandon(op, e);
            }
        }
    }

    /** Runs a storage step; its continuation runs on the runner, then the actor moves on. */
    private <T> void step(CompletionStage<T> stage, StepHandler<T> onSuccess, StepHandler<Throwable> onFailure) {
        busy = true;
        stage.whenComplete((result, error) -> runner.execute(() -> {
            busy = false;
            try {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    if (!(cause instanceof StashException)) {
                        counters.storageErrors.increment();
                    }
                    storage.forget();
                    onFailure.handle(cause);
                } else {
                    onSuccess.handle(result);
                }
            } catch (Throwable e) { // also a checked exception thrown undeclared (Kotlin, sneaky throws)
                log.error("session actor step failed unexpectedly", e);
                storage.forget();
                onFailure.handle(e);
            }
            pump();
        }));
    }

    @FunctionalInterface
    private interface StepHandler<T> {
        void handle(T value);
    }

    // ---- recover ----

    private void startRecover(List<RecoverOp> batch) {
        counters.recovers.add(batch.size());
        if (storage.loaded() && !settings.revalidateOnMount()
                && !storage.document().isExpired(settings.clock().instant())) {
            answer(batch);
            return;
        }
        step(storage.load(), ignored -> answer(batch), error -> {
            log.warn("recover failed, the view keeps its defaults: {}", error.toString());
            for (RecoverOp op : batch) {
                finish(op, Recovery.error(error instanceof TimedStorage.Timeout
                        ? new StashTimeoutException(op.view().name(), "recover", settings.operationTimeout(), error)
                        : error));
            }
        });
    }

    /** Answers the batch in arrival order; the writes the recovers call for take their place in the order. */
    private void answer(List<RecoverOp> batch) {
        SessionDocument seen = storage.document();
        List<Recovery> results = new ArrayList<>(batch.size());
        List<SliceDiff> writes = new ArrayList<>();
        for (RecoverOp op : batch) {
            ViewRecovery.Outcome outcome = ViewRecovery.recover(seen, op.view(), op.mount(), codec);
            results.add(outcome.recovery());
            for (SliceDiff write : outcome.writes()) {
                writes.add(write);
                seen = seen.apply(write);
            }
        }
        if (storage.moveDue() || expiryRefreshDue(settings.clock().instant())) {
            writes.add(SliceDiff.touch());
        }
        for (int i = writes.size() - 1; i >= 0; i--) {
            acquireInternal();
            waiting.addFirst(new StashOp(writes.get(i), new CompletableFuture<>(), true));
        }
        for (int i = 0; i < batch.size(); i++) {
            finish(batch.get(i), results.get(i));
        }
    }

    /** Reads refresh the expiry only when less than half the TTL is left: no write per request. */
    private boolean expiryRefreshDue(Instant now) {
        Instant expiresAt = storage.document().expiresAt();
        if (!storage.stored() || expiresAt == null || waiting.peek() instanceof StashOp) {
            return false;
        }
        // Twice the time left against the TTL: Duration.dividedBy goes through BigDecimal, on every warm recover.
        return Duration.between(now, expiresAt).multipliedBy(2).compareTo(settings.ttl()) < 0;
    }

    // ---- write ----

    private void startWrite(List<StashOp> batch) {
        if (storage.loaded()) {
            write(batch, 1);
        } else {
            step(storage.load(), ignored -> write(batch, 1), error -> failAll(batch, error));
        }
    }

    private void write(List<StashOp> batch, int attempt) {
        Instant now = settings.clock().instant();
        // Expired means absent, also for a warm actor: nothing of it may come back.
        SessionDocument base = storage.document().isExpired(now) ? SessionDocument.empty() : storage.document();
        Instant expiresAt = now.plus(settings.ttl());
        SessionDocument next = base;
        for (StashOp op : batch) {
            next = next.apply(op.diff());
        }
        next = next.withExpiry(expiresAt);
        if (storage.storesNothing() && !next.hasViews() && !settings.revalidateOnMount()) {
            // Nothing stored and nothing to store. Only a single instance may trust "nothing stored"
            // without asking: with several, writing (If-None-Match: *) finds out.
            finishAll(batch);
            return;
        }
        if (next.encodedSize() > settings.maxDocumentBytes()) {
            next = applyWithinLimit(base, batch, expiresAt);
            if (batch.isEmpty()) {
                return;
            }
        }
        step(storage.write(next), outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN) {
                finishAll(batch);
            } else {
                counters.conflicts.increment();
                retryAfterConflict(batch, attempt);
            }
        }, error -> failAll(batch, error));
    }

    private void retryAfterConflict(List<StashOp> batch, int attempt) {
        if (attempt >= settings.maxWriteAttempts()) {
            for (StashOp op : batch) {
                fail(op, new StashConflictException(viewOf(op), attempt));
            }
            return;
        }
        CompletableFuture<Void> backoff = new CompletableFuture<>();
        deadlines.after(Duration.ofNanos(backoffMicros(attempt) * 1000), () -> backoff.complete(null));
        step(backoff, ignored -> step(storage.load(), loaded -> {
            batch.addAll(takeRun(StashOp.class)); // group commit under contention, too
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
    private SessionDocument applyWithinLimit(SessionDocument base, List<StashOp> batch, Instant expiresAt) {
        SessionDocument next = base;
        for (Iterator<StashOp> it = batch.iterator(); it.hasNext();) {
            StashOp op = it.next();
            SessionDocument trial = next.apply(op.diff()).withExpiry(expiresAt);
            int size = trial.encodedSize();
            if (size > settings.maxDocumentBytes()) {
                it.remove();
                fail(op, new StashWriteException(viewOf(op), "stash of view '" + viewOf(op)
                        + "' would make the session document " + size + " bytes, more than the limit of "
                        + settings.maxDocumentBytes() + " bytes (max-document-size); nothing was written", null));
            } else {
                next = trial;
            }
        }
        return next.withExpiry(expiresAt);
    }

    // ---- session id rotation and end ----

    /**
     * Rotate: load, copy the live state to the new session's key, remove it here (compare-and-swap on
     * the version copied); should another instance have written meanwhile, copy again over the new key.
     * End: load and remove, until a load finds nothing under any key. Operations of this session that
     * arrive later find it empty.
     */
    private void startChange(SessionChange change, int attempt, @Nullable String targetEtag) {
        step(storage.load(), loaded -> {
            if (change instanceof RotateOp rotate) {
                Instant now = settings.clock().instant();
                SessionDocument doc = storage.document().isExpired(now) ? SessionDocument.empty() : storage.document();
                if (!doc.hasViews() && targetEtag == null) {
                    remove(change, attempt, null); // nothing worth carrying over
                    return;
                }
                step(storage.copyTo(rotate.target(), targetEtag, doc.withExpiry(now.plus(settings.ttl()))), etag -> {
                    if (etag == null) {
                        failChange(change, new StashWriteException("(session)", "rotate of the browser session found "
                                + "the new session's storage key in an unexpected state; nothing was removed", null));
                    } else {
                        remove(change, attempt, etag);
                    }
                }, error -> failChange(change, error));
            } else if (storage.storesNothing()) {
                finishChange(change);
            } else {
                remove(change, attempt, null);
            }
        }, error -> failChange(change, error));
    }

    private void remove(SessionChange change, int attempt, @Nullable String targetEtag) {
        step(storage.remove(), outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN && change instanceof RotateOp) {
                finishChange(change);
            } else if (attempt >= settings.maxWriteAttempts()) {
                failChange(change, new StashConflictException("(session)", attempt));
            } else {
                if (outcome == SessionStorage.WriteOutcome.CONFLICT) {
                    counters.conflicts.increment();
                }
                startChange(change, attempt + 1, targetEtag); // an end loads again: done when nothing is left
            }
        }, error -> failChange(change, error));
    }

    private void finishChange(SessionChange change) {
        if (!change.result().isDone()) {
            change.result().complete(null);
            release();
        }
    }

    private void failChange(SessionChange change, Throwable error) {
        if (change.result().isDone()) {
            return;
        }
        StashWriteException failure;
        if (error instanceof StashWriteException swe) {
            failure = swe;
        } else if (error instanceof TimedStorage.Timeout) {
            failure = new StashTimeoutException("(session)", change.name(), settings.operationTimeout(), error);
        } else {
            failure = new StashWriteException("(session)", change.name() + " of the browser session failed: "
                    + describe(error), error);
        }
        counters.failed.increment();
        change.result().completeExceptionally(failure);
        release();
    }

    // ---- finishing operations ----

    // Only the actor completes these futures (callers get copies), so isDone() tells whether an
    // operation has ended. The registry counts acknowledged and failed stashes as their callers see them.

    private void finish(RecoverOp op, Recovery recovery) {
        if (!op.result().isDone()) {
            op.result().complete(recovery);
            release();
        }
    }

    private void finishAll(List<StashOp> batch) {
        for (StashOp op : batch) {
            if (!op.result().isDone()) {
                op.result().complete(null);
                release();
            }
        }
    }

    private void failAll(List<StashOp> batch, Throwable error) {
        for (StashOp op : batch) {
            String view = viewOf(op);
            StashWriteException failure;
            if (error instanceof StashWriteException swe) {
                failure = swe;
            } else if (error instanceof TimedStorage.Timeout) {
                failure = new StashTimeoutException(view, operationOf(op), settings.operationTimeout(), error);
            } else {
                failure = new StashWriteException(view, "stash of view '" + view + "' was not acknowledged: "
                        + describe(error), error);
            }
            fail(op, failure);
        }
    }

    private static String operationOf(StashOp op) {
        return op.diff().mode() == SliceDiff.Mode.RESET ? "reset" : "stash";
    }

    private void fail(StashOp op, StashWriteException error) {
        if (!op.result().isDone()) {
            if (op.internal()) {
                log.warn("background write of the session document failed: {}", error.getMessage());
            }
            op.result().completeExceptionally(error);
            release();
        }
    }

    /** Ends an operation that an unexpected error or its deadline interrupted; does nothing if it already ended. */
    private void abandon(Op op, Throwable error) {
        if (op instanceof RecoverOp recover) {
            finish(recover, Recovery.error(error));
        } else if (op instanceof SessionChange change) {
            failChange(change, error);
        } else {
            StashOp stash = (StashOp) op;
            String view = viewOf(stash);
            fail(stash, error instanceof StashWriteException swe ? swe
                    : new StashWriteException(view, "stash of view '" + view + "' failed unexpectedly: "
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
