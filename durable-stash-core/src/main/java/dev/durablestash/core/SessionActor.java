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
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.core.SessionOps.Op;
import dev.durablestash.core.SessionOps.RecoverOp;
import dev.durablestash.core.SessionOps.SessionChange;
import dev.durablestash.core.SessionOps.StashOp;

/**
 * The single in-JVM owner of one session document: the policy. Its mechanisms live beside it: the
 * {@link SerialRunner} it runs on, {@link SessionStorage} (reads, compare-and-swap writes, secret
 * rotation), {@link ViewRecovery} and {@link SessionDocument#apply} (the read and merge rules),
 * {@link SessionChanges} (session id rotation and end) and {@link Outcomes} (how operations end); the
 * operations it takes are {@link SessionOps}.
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
 * finishes the operation, so their dependent actions run there too and must not block; the threads
 * that wait for the callers of a write of several stashes are unparked once those callers are
 * answered, by that thread and by those of them that wake first ({@link CallerFuture}).
 *
 * <p><b>Arrival order.</b> Callers' operations ({@link RecoverOp}, {@link StashOp}) queue in
 * {@code waiting} in the order they arrived. While no storage step is in flight ({@code busy}
 * false), the actor takes the oldest operation and the <em>contiguous</em> run of operations of the
 * same kind behind it: recovers share one (conditional) GET, stashes are merged into one PUT (group
 * commit). A batch never reaches past an operation of the other kind, so no operation overtakes an
 * earlier one or is undone by one that arrived before it. A recover batch is answered in order, each
 * recover seeing the writes of those before it (a fresh mount's cleared draft is gone for the rejoin
 * queued behind it). A change of the whole session ({@link SessionOps.RotateOp}, {@link SessionOps.EndOp}) runs alone
 * in its place: after every operation that arrived before it, before any that arrived after it.
 *
 * <p><b>The actor's own writes.</b> Answering a recover may call for writes: clearing
 * {@code RECONNECT} keys on a fresh mount, writing back a migrated slice, refreshing the expiry,
 * moving the document off an older secret's key. They go to the front of {@code waiting}: they take
 * the recover's place in the order, before any stash that arrived while it was read. Migration
 * write-backs only replace a slice still stored under an older {@code vsn}, and a clearing removes a
 * key only while it holds the value the recover saw: applied again to a newer document after a
 * conflict, they never undo what another instance wrote meanwhile ({@link SliceDiff.Mode}).
 *
 * <p><b>Writes.</b> The batch's diffs are applied, in arrival order, to the cached document and the
 * result is written with compare-and-swap. Callers complete only when that write succeeded. Without a
 * cached document the actor reads storage first, except for a batch with a stash under a session id its
 * caller has just made, on an actor that has read and written nothing: it takes the session as absent
 * and creates it ({@link SessionStorage#assumeAbsent}; a create refused makes it read and write again at
 * once, and a guess nothing was written on is dropped). After a
 * write of one stash, the actor starts the next batch before it answers its caller, so that write
 * travels while the caller is woken (an operation behind it that needs no storage, such as a recover
 * from the cache, may so be answered first; it sees the write). After a write of several stashes
 * (contention: callers that stash again and again, each waiting for its last stash), it answers them
 * first and then <em>gathers</em>: the next write waits (busy) until as many operations wait as
 * waited already plus the callers just answered (the actor's own writes in the batch have no caller
 * to come back), or an operation of another kind arrives, or a quarter of the last write's duration
 * passed (at most a second). It does not gather for one caller, nor while an operation of another
 * kind waits. Without it the callers split into
 * two halves whose writes alternate, each half waiting while the other's write travels; with it they
 * share one write, so half the writes carry the same stashes. On a
 * conflict the actor waits a jittered backoff, re-reads the document, re-applies the batch's diffs
 * (plus the stashes that arrived meanwhile at the head of the queue, less those whose deadline passed:
 * see "Deadlines") and tries again, up to
 * {@link StashSettings#maxWriteAttempts()}. On a storage error the callers fail and the cache is
 * dropped, so the next operation re-reads what storage really holds (diffs are idempotent, so a lost
 * answer is harmless).
 *
 * <p><b>Session id rotation and end.</b> {@link SessionChanges} carries them out, in their place in
 * the order; {@link Outcomes} ends every operation (completes its future, maps its failure).
 *
 * <p><b>Deadlines.</b> Every storage call fails after the operation timeout ({@link TimedStorage});
 * its late answer is dropped like a lost one, so a stalled store never wedges the actor. Every
 * operation has a deadline too: its caller is answered at the deadline whatever the actor is doing,
 * and an operation still queued then leaves the queue unstarted ({@link #expire}). A stash already in
 * a batch whose write is not sent yet (the batch waits for a load, or for a retry after a conflict)
 * is dropped from it before that write (a batch left empty ends without one): no write started after
 * the deadline carries a stash its caller was told failed. A write already under way at the deadline
 * may still land (compare-and-swap keeps it from undoing a newer one); a move off an older secret's
 * key is one such write of two PUTs ({@link SessionStorage}), whose second carries the batch as it was
 * when the first was sent.
 *
 * <p><b>Lifecycle.</b> The registry may retire an actor (idle, or over the cap on live actors or on
 * the bytes of their documents, which it checks again when this actor's document changes size: on
 * this actor's runner, so this very actor may be retired in the middle of an operation). A retired actor
 * refuses new operations but finishes those it accepted; {@link #drained()} completes when it, and
 * every earlier actor of the same session, has none left. A successor for the same session waits for
 * that before its first storage step, so there is never more than one writer per session in a JVM.
 * Every operation ends: a storage failure, a backend that throws, or a bug fails it rather than
 * leaving its caller waiting.
 */
final class SessionActor {

    private static final Logger log = LoggerFactory.getLogger(SessionActor.class);
    /**
     * {@code waiting} while nothing waits: shared by every actor, so it never holds anything (it refuses
     * to). An actor takes a deque of its own for the operations that wait and lets it go once they are
     * taken: most live actors wait for nothing (heap per live actor).
     */
    private static final ArrayDeque<Op> NO_OPS = new ArrayDeque<>(0) {
        @Override
        public void addFirst(Op op) {
            throw new UnsupportedOperationException("the shared empty queue");
        }

        @Override
        public void addLast(Op op) {
            throw new UnsupportedOperationException("the shared empty queue");
        }
    };

    /**
     * A gather (see "Writes" above) lasts at most this fraction of the write before it: 64 stashers on
     * one session (the benchmarks, in-process S3 server) made 21 times the stashes per second of one
     * PUT's latency without gathering, 27 times gathering up to a half of the write's time and 30
     * times up to a quarter; either way one PUT for each 64 stashes instead of 32.
     */
    private static final long GATHER_DIVISOR = 4;
    /** A gather's longest bound, whatever the write before it took. */
    private static final long MAX_GATHER_NANOS = Duration.ofSeconds(1).toNanos();

    private final StashSettings settings;
    private final ValueCodec codec;
    private final EngineCounters counters;
    private final Deadlines deadlines;
    private final SerialRunner runner;
    private final SessionStorage storage;
    private final Outcomes outcomes;
    /** Created at the session's first rotate or end: most sessions never have one (heap per live actor). */
    @GuardedBy("runner")
    private @Nullable SessionChanges changes;

    @GuardedBy("this")
    private int outstanding;
    @GuardedBy("this")
    private boolean retired;
    /**
     * Completes when the actor is retired and has no operation left; created by the first {@link #drained()}
     * (most actors are never asked: heap per live actor).
     */
    @GuardedBy("this")
    private @Nullable CompletableFuture<Void> ownWorkDone;
    /** The predecessor's {@code drained()} while it had not completed when this actor was made, else {@code null}. */
    private final @Nullable CompletableFuture<Void> predecessor;

    /**
     * The operations waiting, oldest first: {@link #NO_OPS} while there are none (see {@link #queue()}),
     * else a deque of this actor's, small at first (most sessions queue one operation at a time).
     */
    @GuardedBy("runner")
    private ArrayDeque<Op> waiting = NO_OPS;
    /** A storage step, a backoff, a gather or the predecessor is in flight: operations wait. */
    @GuardedBy("runner")
    private boolean busy;
    /**
     * The gather in progress (see "Writes" above), else {@code null}. Set under this actor's lock (so
     * that {@link #retire()} sees it), cleared by the runner; a stale value seen by {@code retire()} ends
     * nothing.
     */
    @GuardedBy("runner")
    private @Nullable Gather gather;

    /**
     * @param resized called on the runner when {@link #weight()} changed (the registry weighs the actor
     *     again, which may retire it, this one included)
     */
    SessionActor(StorageKeys.SessionKeys keys, TimedStorage timedStorage, StashSettings settings, ValueCodec codec,
            EngineCounters counters, SerialRunner runner, Deadlines deadlines, @Nullable CompletionStage<Void> predecessor,
            Consumer<SessionActor> resized) {
        this.settings = settings;
        this.codec = codec;
        this.counters = counters;
        this.deadlines = deadlines;
        this.runner = runner;
        this.storage = new SessionStorage(keys, timedStorage, settings, counters, runner, () -> resized.accept(this));
        this.outcomes = new Outcomes(settings, counters, this);
        CompletableFuture<Void> before = predecessor == null ? null : predecessor.toCompletableFuture();
        this.predecessor = before == null || (before.isDone() && !before.isCompletedExceptionally()) ? null : before;
        if (before != null && !before.isDone()) {
            busy = true;
            predecessor.whenComplete((ignored, error) -> runner.execute(() -> {
                busy = false;
                pump();
            }));
        }
    }

    // ---- called from any thread ----

    /** @return this actor's weight against the bound on live actors: by its cached document's size */
    int weight() {
        return storage.weight();
    }

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
            if (busy || !waiting.isEmpty()) {
                queue().add(op);
                Gather current = gather;
                if (current != null && (waiting.size() >= current.target() || !(op instanceof StashOp))) {
                    endGather(current);
                }
            } else {
                start(op); // what pump would do with it, without making a deque for one operation
            }
            pump();
        });
        return true;
    }

    /**
     * The operation's caller was answered at its deadline: if it has not started, it never will. A stash
     * already in a batch is dropped before the batch's next write instead ({@link #dropExpired}).
     */
    void expire(Op op, Throwable timeout) {
        runner.execute(() -> {
            if (waiting.remove(op)) {
                outcomes.abandon(op, timeout);
            }
        });
    }

    /**
     * Refuses further operations; {@link #drained()} completes once the accepted ones are finished. A
     * gather in progress ends: no caller comes back to a retired actor, and a successor waits for it.
     */
    void retire() {
        Gather gathering;
        synchronized (this) {
            retired = true;
            if (outstanding == 0 && ownWorkDone != null) {
                ownWorkDone.complete(null);
            }
            gathering = gather; // set under this lock: no gather starts once retired
        }
        if (gathering != null) {
            // Through the timer's hand-off to the executor: the registry retires under its cache's lock, where
            // the actor's tasks must not run (they may answer callers, whose continuations may use the registry).
            endGatherAfter(gathering, Duration.ZERO);
        }
    }

    /**
     * @return completes when the actor is retired and has finished every operation it accepted, and so
     *     has every earlier actor of the same session (the chain of writers never breaks)
     */
    synchronized CompletableFuture<Void> drained() {
        CompletableFuture<Void> own = ownWorkDone;
        if (own == null) {
            own = new CompletableFuture<>();
            if (retired && outstanding == 0) {
                own.complete(null);
            }
            ownWorkDone = own;
        }
        return predecessor == null ? own : own.thenCombine(predecessor, (mine, theirs) -> null);
    }

    private SessionChanges changes() {
        SessionChanges made = changes;
        if (made == null) {
            made = new SessionChanges(this, settings, counters, storage, outcomes);
            changes = made;
        }
        return made;
    }

    /**
     * Counts work of the actor's own as accepted, like an operation: {@link #drained()} waits for it, so a
     * successor does not start while it runs. Each hold ends with one {@link #release()}.
     */
    synchronized void holdForOwnWork() {
        outstanding++;
    }

    /** Called by {@link Outcomes} once for each operation that ends, and once for each {@link #holdForOwnWork()}. */
    synchronized void release() {
        outstanding--;
        if (retired && outstanding == 0 && ownWorkDone != null) {
            ownWorkDone.complete(null);
        }
    }

    // ---- runner-confined from here on ----

    /** @return {@code waiting}, to add to: this actor's own deque */
    private ArrayDeque<Op> queue() {
        if (waiting == NO_OPS) {
            waiting = new ArrayDeque<>(1);
        }
        return waiting;
    }

    private void pump() {
        while (!busy && !waiting.isEmpty()) {
            start(waiting.poll());
        }
        if (waiting.isEmpty()) {
            waiting = NO_OPS;
        }
    }

    /** Starts {@code first}, the oldest operation (just taken off the queue), with the run of its kind behind it. */
    private void start(Op first) {
        if (first instanceof RecoverOp recover) {
            List<RecoverOp> batch = new ArrayList<>();
            batch.add(recover);
            takeRun(batch, RecoverOp.class);
            guarded(batch, () -> startRecover(batch));
        } else if (first instanceof StashOp stash) {
            List<StashOp> batch = new ArrayList<>();
            batch.add(stash);
            takeRun(batch, StashOp.class);
            guarded(batch, () -> startWrite(batch));
        } else {
            SessionChange change = (SessionChange) first;
            guarded(List.of(change), () -> changes().start(change));
        }
    }

    /** Adds to {@code run} the operations of one kind at the head of the queue, up to the first of the other kind. */
    private <T extends Op> void takeRun(List<T> run, Class<T> kind) {
        while (kind.isInstance(waiting.peek())) {
            run.add(kind.cast(waiting.poll()));
        }
    }

    /** A bug or a misbehaving backend must not leave callers waiting forever. */
    private void guarded(List<? extends Op> batch, Runnable start) {
        try {
            start.run();
        } catch (Throwable e) { // also a checked exception thrown undeclared (Kotlin, sneaky throws)
            busy = false;
            storage.forget();
            for (Op op : batch) {
                outcomes.abandon(op, e);
            }
            logUnexpected("session actor failed unexpectedly; failed " + batch.size() + " operation(s)", e);
        }
    }

    /** Logs at ERROR; never throws, also for a throwable whose message or stack cannot be read. */
    private static void logUnexpected(String message, Throwable e) {
        try {
            log.error(message, e);
        } catch (Throwable unreadable) {
            log.error("{} ({}, which could not be logged: {})", message, e.getClass().getName(),
                    unreadable.getClass().getName());
        }
    }

    /** Runs a storage step; its continuation runs on the runner, then the actor moves on. */
    <T> void step(CompletionStage<T> stage, StepHandler<T> onSuccess, StepHandler<Throwable> onFailure) {
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
                storage.forget();
                logUnexpected("session actor step failed unexpectedly", e);
                onFailure.handle(e);
            }
            pump();
        }));
    }

    @FunctionalInterface
    interface StepHandler<T> {
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
            log.warn("recover failed, the view keeps its defaults: {}", Outcomes.summary(error));
            for (RecoverOp op : batch) {
                outcomes.finish(op, Recovery.error(error instanceof TimedStorage.Timeout
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
            holdForOwnWork();
            queue().addFirst(new StashOp(writes.get(i), new CompletableFuture<>(), true));
        }
        for (int i = 0; i < batch.size(); i++) {
            outcomes.finish(batch.get(i), results.get(i));
        }
    }

    /** Reads refresh the expiry only when less than half the TTL is left: no write per request. */
    private boolean expiryRefreshDue(Instant now) {
        Instant expiresAt = storage.document().expiresAt();
        if (!storage.stored() || expiresAt == null || waiting.peek() instanceof StashOp) {
            return false;
        }
        // Half the TTL is computed once (Duration's multiplication and division go through BigDecimal).
        return now.plus(settings.halfTtl()).isAfter(expiresAt);
    }

    // ---- write ----

    private void startWrite(List<StashOp> batch) {
        if (storage.loaded() || (underNewSid(batch) && storage.assumeAbsent())) {
            write(batch, 1);
        } else {
            step(storage.load(), ignored -> write(batch, 1), error -> outcomes.failAll(batch, error));
        }
    }

    private void write(List<StashOp> batch, int attempt) {
        dropExpired(batch);
        if (batch.isEmpty()) {
            storage.forgetIfAssumed(); // a session taken as absent and not written: read it next time
            return; // every caller was told its stash failed: nothing of the batch may be written now
        }
        Instant now = settings.clock().instant();
        // Expired means absent, also for a warm actor: nothing of it may come back.
        SessionDocument base = storage.document().isExpired(now) ? SessionDocument.empty() : storage.document();
        Instant expiresAt = now.plus(settings.ttl());
        SessionDocument next = base;
        for (StashOp op : batch) {
            next = next.apply(op.diff());
        }
        next = next.withExpiry(expiresAt);
        // Nothing stored and nothing to store is written too: an empty document (If-None-Match: *) finds out
        // whether another instance stored the session meanwhile, and refuses a create of the session that
        // failed, or got no answer in time, and lands only now, which would undo this batch (a reset).
        byte[] json = next.toBytes(); // made once: its size is checked, then it is written
        if (json.length > settings.maxDocumentBytes()) {
            next = applyWithinLimit(base, batch, expiresAt);
            if (batch.isEmpty()) {
                storage.forgetIfAssumed();
                return;
            }
            json = next.toBytes();
        }
        long started = System.nanoTime();
        boolean guessed = storage.assumed(); // a create on a session taken as absent (assumeAbsent)
        step(storage.write(next, json), outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN) {
                int callers = callers(batch);
                if (callers > 1 && onlyStashesWaiting()) {
                    // Contention: answer these callers, then gather those that come back into the next write.
                    outcomes.finishAll(batch);
                    if (!gather(waiting.size() + callers, (System.nanoTime() - started) / GATHER_DIVISOR)) {
                        pump();
                    }
                    return;
                }
                // The next batch first: its write travels while its callers are answered, instead of after.
                try {
                    pump();
                } finally {
                    outcomes.finishAll(batch); // whatever starting the next batch did: this one is durable
                }
            } else if (guessed) {
                // Something was stored after all (a wrong hint, or an earlier write that landed late): not
                // contention, so no backoff and no attempt spent; read it, then write as after any read.
                counters.conflicts.increment();
                step(storage.load(), loaded -> {
                    takeRun(batch, StashOp.class);
                    write(batch, attempt);
                }, error -> outcomes.failAll(batch, error));
            } else {
                counters.conflicts.increment();
                retryAfterConflict(batch, attempt);
            }
        }, error -> outcomes.failAll(batch, error));
    }

    /**
     * Drops from {@code batch} the stashes (and resets) whose callers were answered at their deadline:
     * they were told the stash failed, so no new write may carry it (it could land over a stash that
     * another instance acknowledged after that failure). Called before each write of a batch, the first
     * (after a load) and each retry after a conflict; the others in the batch are still written. A write
     * already sent when a deadline passes may still land: compare-and-swap keeps it from undoing a newer
     * one, and should it meet a conflict, its retry drops the stash.
     */
    private void dropExpired(List<StashOp> batch) {
        for (Iterator<StashOp> it = batch.iterator(); it.hasNext();) {
            StashOp op = it.next();
            if (op.answer().deadlinePassed()) {
                it.remove();
                outcomes.fail(op, new StashTimeoutException(Outcomes.viewOf(op), Outcomes.operationOf(op),
                        settings.operationTimeout()));
            }
        }
    }

    /** @return whether a stash of the batch was sent under a session id its caller had just made ({@link StashOp}) */
    private static boolean underNewSid(List<StashOp> batch) {
        for (StashOp op : batch) {
            if (op.underNewSid()) {
                return true;
            }
        }
        return false;
    }

    /** @return how many stashes of the batch are callers' (not the actor's own writes, whose caller never comes back) */
    private static int callers(List<StashOp> batch) {
        int callers = 0;
        for (StashOp op : batch) {
            if (!op.internal()) {
                callers++;
            }
        }
        return callers;
    }

    /** @return whether every operation waiting is a stash: one of another kind must not wait for a gather */
    private boolean onlyStashesWaiting() {
        for (Op op : waiting) {
            if (!(op instanceof StashOp)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Holds the next write back (busy) until {@code target} operations wait, one of another kind does, or
     * {@code nanos} passed.
     *
     * @return {@code false}, doing nothing, when the actor is retired: no caller comes back to it
     */
    private boolean gather(int target, long nanos) {
        Gather started = new Gather(target);
        synchronized (this) {
            if (retired) {
                return false;
            }
            gather = started;
        }
        busy = true;
        started.timer = endGatherAfter(started, Duration.ofNanos(Math.min(nanos, MAX_GATHER_NANOS)));
        return true;
    }

    /** Ends {@code gathering} after {@code delay}, on this actor's runner, unless it ended before. */
    private Future<?> endGatherAfter(Gather gathering, Duration delay) {
        return deadlines.after(delay, () -> runner.execute(() -> endGather(gathering)));
    }

    /**
     * Ends {@code ended} if it is still the gather in progress (its timer may fire after it ended early).
     * A gather that ends early cancels its timer, which would otherwise wake the engine's executor for
     * nothing: nearly every gather ends early, when its callers are back.
     */
    private void endGather(Gather ended) {
        if (gather == ended) {
            gather = null;
            Future<?> timer = ended.timer;
            if (timer != null) {
                timer.cancel(false);
            }
            busy = false;
            pump();
        }
    }

    /** A gather: how many waiting operations end it at once. Compared by identity. */
    private static final class Gather {

        private final int target;
        /** Ends the gather at its time bound; set by the runner's task that started it, read by the runner. */
        @GuardedBy("runner")
        @Nullable Future<?> timer;

        Gather(int target) {
            this.target = target;
        }

        int target() {
            return target;
        }
    }

    private void retryAfterConflict(List<StashOp> batch, int attempt) {
        if (attempt >= settings.maxWriteAttempts()) {
            for (StashOp op : batch) {
                outcomes.fail(op, new StashConflictException(Outcomes.viewOf(op), attempt));
            }
            return;
        }
        CompletableFuture<Void> backoff = new CompletableFuture<>();
        deadlines.after(Duration.ofNanos(backoffMicros(attempt) * 1000), () -> backoff.complete(null));
        step(backoff, ignored -> step(storage.load(), loaded -> {
            takeRun(batch, StashOp.class); // group commit under contention, too
            write(batch, attempt + 1);
        }, error -> outcomes.failAll(batch, error)), error -> outcomes.failAll(batch, error));
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
            if (size > settings.maxDocumentBytes() && op.diff().migratesAStaleSliceOf(next)) {
                SessionDocument replacing = replacingAStaleSliceTooLargeOnceMigrated(next, op, expiresAt);
                if (replacing != null) {
                    size = replacing.encodedSize();
                    if (size <= settings.maxDocumentBytes()) {
                        next = replacing;
                        continue;
                    }
                }
            }
            if (size > settings.maxDocumentBytes()) {
                it.remove();
                outcomes.fail(op, new StashWriteException(Outcomes.viewOf(op), "stash of view '" + Outcomes.viewOf(op)
                        + "' would make the session document " + size + " bytes, more than the limit of "
                        + settings.maxDocumentBytes() + " bytes (max-document-size); nothing was written", null));
            } else {
                next = trial;
            }
        }
        return next.withExpiry(expiresAt);
    }

    /**
     * A stash that overflows the document meets its view's slice stored under another vsn. When the
     * migrated slice alone, without the document's other views, overflows it (the recover's write-back
     * of it failed alike, and would fail whatever the other views hold), the stash replaces the stale
     * slice, as when the migrator fails, rather than every stash of the view failing while it is
     * stored. Otherwise the stash fails, as at the current vsn: its own keys, or the other views' data,
     * leave no room.
     *
     * @return the document with the stash replacing the stale slice, when that is the way out (the caller
     *     still checks its size); else {@code null}
     */
    private @Nullable SessionDocument replacingAStaleSliceTooLargeOnceMigrated(SessionDocument next, StashOp op,
            Instant expiresAt) {
        String view = Outcomes.viewOf(op);
        int migratedSize = next.onlyView(view).apply(op.diff().onlyMigrating()).withExpiry(expiresAt).encodedSize();
        if (migratedSize <= settings.maxDocumentBytes()) {
            return null;
        }
        SessionDocument replacing = next.apply(op.diff().withoutMigrator()).withExpiry(expiresAt);
        if (replacing.encodedSize() <= settings.maxDocumentBytes()) {
            log.warn("the migrator of view '{}' made data that alone would make the session document {} bytes, more"
                    + " than the limit of {} bytes (max-document-size): the stash replaces the slice stored under vsn"
                    + " {}, keeping only the keys it sets", view, migratedSize, settings.maxDocumentBytes(),
                    next.slice(view).vsn());
        }
        return replacing;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
