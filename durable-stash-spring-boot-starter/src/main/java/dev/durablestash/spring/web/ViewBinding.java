package dev.durablestash.spring.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.spring.Stash;

/**
 * One view instance bound to one request: recovered when bound, and stashed (changed keys only)
 * when the web integration says so or the handler calls {@link #stashNow()}.
 *
 * <p>Changes are found by comparing the JSON a stash would store for each field (the engine's own
 * encoding, {@link dev.durablestash.core.ValueJson}) with the one taken right after recovery (or
 * after the last stash), so mutating a recovered list counts as a change, and assigning a value
 * that is stored as the same JSON does not.
 *
 * <p><b>Blocking and non-blocking.</b> {@link #recover}, {@link #stashNow()} and {@link #reset()}
 * block the calling thread until the engine answers (Spring MVC runs handlers on a thread of their
 * own). {@link #recoverAsync}, {@link #awaitTurnAsync}, {@link #stashAsync()} and {@link #resetAsync()}
 * block nothing and return a stage that completes on an engine thread (for WebFlux, whose event-loop
 * threads must never block).
 *
 * <p><b>Waits are bounded.</b> Every wait, blocking or not, lasts never longer than the engine's
 * {@link StashSettings#operationTimeout() operation timeout} plus {@link #WAIT_MARGIN}: the engine
 * fails an operation at its deadline, and this bound is a second line should it not. Past the bound
 * the wait fails with a {@link StashTimeoutException} (the operation may still take effect later,
 * like any failed write).
 *
 * <p><b>Thread-safety:</b> not thread-safe; bound to one request and used by one thread at a time,
 * except that {@link #hasChanges()} may run on another thread while a {@link #stashAsync()} or a
 * {@link #resetAsync()} is in flight (a WebFlux exchange that ended meanwhile): it then counts that stash
 * as done, and finds no changes until that reset ended. No view field is written off the calling thread.
 */
final class ViewBinding implements Stash {

    /** How much longer than the engine's operation timeout a blocking wait may last. */
    public static final Duration WAIT_MARGIN = Duration.ofMillis(500);

    private static final Logger log = LoggerFactory.getLogger(ViewBinding.class);

    private final StashedViewType type;
    private final Object target;
    /** Read when a write is sent, on whatever thread sends it; moved by the browser session's rotation. */
    private volatile String sid;
    private final StashAdapter adapter;
    private final Duration operationTimeout;
    private final Map<String, StashedViewType.Snapshot> defaults;
    private final Recovery recovery;
    // Volatile, like the snapshots' JSON: a web integration may check for changes on another thread
    // while a stash it started completes (a cancelled WebFlux exchange).
    private volatile Map<String, StashedViewType.Snapshot> baseline;
    /** The latest snapshot taken (the baseline, or that of a change check): reused for fields still holding its immutable values. */
    private volatile Map<String, StashedViewType.Snapshot> latest;
    /** The last {@link #stashAsync()} that wrote something, until a blocking stash or a reset; {@code null} before. */
    private volatile @Nullable StashInFlight lastAsyncStash;
    /** The last {@link #resetAsync()}, done once its write ended and, if it landed, the baseline is the defaults. */
    private volatile @Nullable CompletableFuture<Void> resetting;
    private Runnable beforeWrite = () -> { };
    /** What the non-blocking writes are sent through, or {@code null} to send them at once. */
    private volatile @Nullable WriteGate gate;
    /** Set by the browser session's end or replacement, possibly on another thread than the request's. */
    private volatile boolean detached;
    /** Where each write records the sid it is sent under (the request's or exchange's record), else {@code null}. */
    private volatile @Nullable Set<String> sidsWritten;
    /**
     * The sid this binding was recovered under without asking the engine, as a new session's (nothing can
     * be stored under it), else {@code null}: stashes under it are sent as {@link StashAdapter#stashUnderNewSid}.
     */
    private final @Nullable String newSid;

    private ViewBinding(StashedViewType type, Object target, String sid, StashAdapter adapter,
            Duration operationTimeout, Recovery recovery, Map<String, StashedViewType.Snapshot> defaults,
            boolean nothingStored) {
        this.type = type;
        this.target = target;
        this.sid = sid;
        this.newSid = nothingStored ? sid : null;
        this.adapter = adapter;
        this.operationTimeout = operationTimeout;
        this.recovery = recovery;
        this.defaults = defaults;
        this.baseline = type.snapshot(target);
        this.latest = baseline;
    }

    /**
     * Recovers a view's stored keys into its fields (waiting for storage) and binds it.
     *
     * @param type the view type
     * @param target the instance whose fields are recovered into
     * @param sid the browser session id
     * @param mount whether the page is new or rejoining
     * @param adapter the engine
     * @param operationTimeout the engine's {@link StashSettings#operationTimeout()}: this and every
     *     later wait of the binding lasts at most that plus {@link #WAIT_MARGIN}
     * @return the binding; on {@link RecoveryStatus#ERROR} the fields keep their defaults and the
     *     error is logged
     * @throws StashTimeoutException when the engine did not answer within the bound
     */
    public static ViewBinding recover(StashedViewType type, Object target, String sid, MountKind mount,
            StashAdapter adapter, Duration operationTimeout) {
        return recover(type, target, sid, mount, adapter, operationTimeout, false);
    }

    /**
     * {@link #recover(StashedViewType, Object, String, MountKind, StashAdapter, Duration)}, without asking the
     * engine when {@code nothingStored}: the view then keeps its defaults ({@link Recovery#notFound()}).
     *
     * @param nothingStored the caller knows nothing is stored under {@code sid} (a sid made in this request,
     *     handed to no one yet, and written under by no one)
     */
    static ViewBinding recover(StashedViewType type, Object target, String sid, MountKind mount,
            StashAdapter adapter, Duration operationTimeout, boolean nothingStored) {
        Objects.requireNonNull(operationTimeout, "operationTimeout");
        Map<String, StashedViewType.Snapshot> defaults = type.snapshot(target);
        Recovery recovery = nothingStored ? Recovery.notFound() : await(adapter.recover(sid, type.definition(), mount),
                type.name(), "recover", operationTimeout, null);
        if (recovery.status() == RecoveryStatus.ERROR) {
            // the engine has logged the storage error at WARN already
            log.debug("Could not recover view '{}'; it keeps its defaults", type.name(), recovery.error().orElse(null));
        } else {
            type.apply(target, recovery);
        }
        return new ViewBinding(type, target, sid, adapter, operationTimeout, recovery, defaults,
                nothingStored);
    }

    /**
     * Waits for the browser session's turn at a view (an atomic view, see
     * {@link StashAdapter#turn}): take it before {@link #recover recovering} the view, and
     * {@link ViewTurn#close() close} it once the view's last stash is done or failed, on every path.
     * Logs at DEBUG when the turn is not free at once.
     *
     * @param type the view type
     * @param sid the browser session id
     * @param adapter the engine
     * @param operationTimeout the engine's {@link StashSettings#operationTimeout()}
     * @return the turn, now held by the caller
     * @throws StashTimeoutException when the turn was not granted within the operation timeout (the
     *     engine's deadline) or, should the engine not keep it, that plus {@link #WAIT_MARGIN}; a turn
     *     granted after this wait gave up is handed on at once
     */
    public static ViewTurn awaitTurn(StashedViewType type, String sid, StashAdapter adapter,
            Duration operationTimeout) {
        Objects.requireNonNull(operationTimeout, "operationTimeout");
        CompletionStage<ViewTurn> turn = adapter.turn(sid, type.definition());
        if (log.isDebugEnabled() && !turn.toCompletableFuture().isDone()) {
            log.debug("Waiting for the turn of view '{}': another request of the browser session holds it",
                    type.name());
        }
        return await(turn, type.name(), TURN, operationTimeout, ViewTurn::close);
    }

    /**
     * The non-blocking {@link #recover}: recovers a view's stored keys into its fields once storage
     * answered, and binds it. Blocks no thread.
     *
     * @param type the view type
     * @param target the instance whose fields are recovered into (not touched until the stage completes)
     * @param sid the browser session id
     * @param mount whether the page is new or rejoining
     * @param adapter the engine
     * @param operationTimeout the engine's {@link StashSettings#operationTimeout()}
     * @return a stage with the binding (on {@link RecoveryStatus#ERROR} the fields keep their defaults),
     *     or failed with a {@link StashTimeoutException} when the engine did not answer within the bound
     */
    public static CompletionStage<ViewBinding> recoverAsync(StashedViewType type, Object target, String sid,
            MountKind mount, StashAdapter adapter, Duration operationTimeout) {
        return recoverAsync(type, target, sid, mount, adapter, operationTimeout, false);
    }

    /**
     * {@link #recoverAsync(StashedViewType, Object, String, MountKind, StashAdapter, Duration)}, without asking
     * the engine when {@code nothingStored} (see {@link #recover(StashedViewType, Object, String, MountKind,
     * StashAdapter, Duration, boolean)}): the stage is then complete when this method returns.
     */
    static CompletionStage<ViewBinding> recoverAsync(StashedViewType type, Object target, String sid,
            MountKind mount, StashAdapter adapter, Duration operationTimeout, boolean nothingStored) {
        Objects.requireNonNull(operationTimeout, "operationTimeout");
        Map<String, StashedViewType.Snapshot> defaults = type.snapshot(target);
        CompletionStage<Recovery> recovered = nothingStored ? CompletableFuture.completedFuture(Recovery.notFound())
                : within(adapter.recover(sid, type.definition(), mount), type.name(), "recover", operationTimeout,
                        null);
        return recovered.thenApply(recovery -> {
            if (recovery.status() == RecoveryStatus.ERROR) {
                log.debug("Could not recover view '{}'; it keeps its defaults", type.name(),
                        recovery.error().orElse(null));
            } else {
                type.apply(target, recovery);
            }
            return new ViewBinding(type, target, sid, adapter, operationTimeout, recovery, defaults,
                    nothingStored);
        });
    }

    /**
     * The non-blocking {@link #awaitTurn}: asks for the browser session's turn at a view. Blocks no
     * thread.
     *
     * @return a stage with the turn (now held by the caller, who must close it on every path), or
     *     failed with a {@link StashTimeoutException}; a turn granted after the bound passed is handed
     *     on at once
     */
    public static CompletionStage<ViewTurn> awaitTurnAsync(StashedViewType type, String sid, StashAdapter adapter,
            Duration operationTimeout) {
        Objects.requireNonNull(operationTimeout, "operationTimeout");
        return within(adapter.turn(sid, type.definition()), type.name(), TURN, operationTimeout, ViewTurn::close);
    }

    /** @return the view instance */
    public Object target() {
        return target;
    }

    /** @return the view type */
    public StashedViewType type() {
        return type;
    }

    @Override
    public String view() {
        return type.name();
    }

    @Override
    public Recovery recovery() {
        return recovery;
    }

    /**
     * @return {@code true} if a stored field changed since recovery or the last stash; a non-blocking
     *     stash still in flight (or waiting for a reset) counts as done, one that failed does not; while a
     *     non-blocking reset is in flight, {@code false}
     */
    public boolean hasChanges() {
        return !changedKeys().isEmpty();
    }

    /**
     * @param changed keys {@link #changedKeys()} returned just before
     * @return those whose value writes different JSON twice in a row (a getter of the time, say): they count
     *     as changed however often they are stashed, so a change made to them since cannot be told apart
     */
    public Set<String> changedOnEveryWrite(Set<String> changed) {
        if (changed.isEmpty()) {
            return Set.of();
        }
        Set<String> unstable = new LinkedHashSet<>(type.changes(latest, type.snapshot(target)).keySet());
        unstable.retainAll(changed);
        return unstable;
    }

    /**
     * @return the keys whose stored JSON would change if the view were stashed now; none while a
     *     non-blocking reset, or a stash that waits for one, is in flight
     */
    public Set<String> changedKeys() {
        CompletableFuture<Void> reset = resetting;
        if (reset != null && !reset.isDone()) {
            return Set.of(); // what is stored is not known until it ended
        }
        StashInFlight async = lastAsyncStash;
        if (async != null && async.written() == null && !async.outcome().isDone()) {
            return Set.of(); // a stash that waited for a reset writes them
        }
        latest = type.snapshot(target, latest);
        Map<String, StashedViewType.Snapshot> written = async == null ? null : async.written();
        boolean counts = written != null && !async.outcome().isCompletedExceptionally();
        return type.changes(counts ? written : baseline, latest).keySet();
    }

    /**
     * @return the outcome of a {@link #stashAsync()} still in flight (it completes when the write is
     *     durable, or fails), or {@code null} when none is
     */
    @Nullable CompletableFuture<Void> stashInFlight() {
        StashInFlight async = lastAsyncStash;
        return async == null || async.outcome().isDone() ? null : async.outcome();
    }

    /**
     * @return the outcome of the last {@link #stashAsync()} while it is in flight or if it failed, or
     *     {@code null} when there was none (since a blocking stash or a reset) or it landed
     */
    @Nullable CompletableFuture<Void> stashNotLanded() {
        StashInFlight async = lastAsyncStash;
        return async == null || (async.outcome().isDone() && !async.outcome().isCompletedExceptionally()) ? null
                : async.outcome();
    }

    @Override
    public void stashNow() {
        Map<String, StashedViewType.Snapshot> now = type.snapshot(target, latest);
        latest = now;
        Map<String, @Nullable Object> changed = type.changes(baseline, now);
        if (changed.isEmpty()) {
            return;
        }
        beforeWrite.run();
        if (detached) {
            return;
        }
        if (recovery.status() == RecoveryStatus.ERROR) {
            // The fields started from defaults, not from what is stored: stashing "changes" made to
            // them would overwrite the stored values (a count of 42 would become 1).
            throw new StashWriteException(type.name(), "view '" + type.name() + "' could not be recovered (storage "
                    + "error), so its fields started from their defaults; its changes were not stashed, "
                    + "to leave the stored state intact", recovery.error().orElse(null));
        }
        await(sendStash(changed), type.name(), "stash", operationTimeout, null);
        baseline = now;
        lastAsyncStash = null;
    }

    /**
     * The non-blocking {@link #stashNow()}: stashes the changed fields (as they are now) and completes
     * once they are durable; after a {@link #resetAsync()} still in flight, once that reset landed (or it
     * fails with the reset's error). Blocks
     * no thread. Do not change the fields or start another stash of this binding until the stage completed.
     *
     * @return a stage that completes when the changes are durable (at once when there are none), or
     *     fails as {@link #stashNow()} throws
     */
    public CompletionStage<Void> stashAsync() {
        if (detached) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> reset = resetting;
        if (reset != null && !reset.isDone()) {
            // A reset started without waiting for it: the stash follows it, as if the caller had waited (it then writes
            // what differs from the defaults; should the reset fail, it fails with the reset's error). Recorded now, so
            // that an exchange that ends meanwhile follows it; its caller gets a copy, as below.
            CompletableFuture<Void> outcome = reset.thenCompose(ignored -> stashAsync()).toCompletableFuture();
            lastAsyncStash = new StashInFlight(null, outcome);
            return outcome.copy();
        }
        Map<String, StashedViewType.Snapshot> now;
        Map<String, @Nullable Object> changed;
        try {
            now = type.snapshot(target, latest);
            latest = now;
            changed = type.changes(baseline, now);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (changed.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (recovery.status() == RecoveryStatus.ERROR) {
            CompletableFuture<Void> refused = CompletableFuture.failedFuture(new StashWriteException(type.name(),
                    "view '" + type.name() + "' could not be recovered (storage error), so its fields started from their "
                    + "defaults; its changes were not stashed, to leave the stored state intact",
                    recovery.error().orElse(null)));
            lastAsyncStash = new StashInFlight(now, refused); // a failed stash, as the end of an exchange reports it
            return refused.copy();
        }
        // Recorded before the write is sent, which an idle engine does before stash returns: an exchange
        // that ends on another thread as soon as it is sent counts these changes as in flight, not unstashed.
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        lastAsyncStash = new StashInFlight(now, outcome);
        follow(outcome, () -> sendStash(changed), "stash");
        // The caller gets a copy: one that stops waiting (a cancelled WebFlux exchange) cancels the copy,
        // not the write nor the baseline's update, which later stashes and hasChanges() rely on.
        return outcome.thenRun(() -> baseline = now).copy();
    }

    /**
     * The non-blocking {@link #reset()}: puts the fields back to their defaults at once, on the calling
     * thread, and removes the view's stored state. Blocks no thread. Values set after this call are
     * changes from the defaults: a stash writes them (one started before the reset ended waits for it).
     *
     * @return a stage that completes once the view's stored state is removed, or fails as {@link #reset()}
     *     throws (the fields stay at their defaults: a later stash writes them as they are then)
     */
    public CompletionStage<Void> resetAsync() {
        return resetAsync(CompletableFuture.completedFuture(null));
    }

    /**
     * {@link #resetAsync()}, with the write sent once {@code ready} completed (e.g. once the browser session
     * followed a login, which may move this binding to another sid); the fields go back to their defaults
     * at once all the same, and a stash started meanwhile waits for the reset.
     *
     * @param ready what the write waits for; should it fail, the reset fails with its error (nothing written)
     */
    public CompletionStage<Void> resetAsync(CompletionStage<?> ready) {
        if (detached) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            type.restore(target, defaults);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // Recorded before the reset is sent, as a stash is: an exchange that ends meanwhile follows it.
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        CompletableFuture<Void> landed = outcome.thenRun(() -> {
            baseline = defaults; // what is stored now; no field is touched here, off the caller's thread
            latest = defaults;
            StashInFlight async = lastAsyncStash;
            if (async == null || async.written() != null) {
                lastAsyncStash = null; // a stash waiting for this reset stays recorded
            }
        });
        resetting = landed;
        ready.whenComplete((ignored, notReady) -> {
            if (notReady != null) {
                outcome.completeExceptionally(unwrapped(notReady));
            } else if (detached) {
                outcome.complete(null); // the browser session ended meanwhile: nothing of it is written
            } else {
                try {
                    follow(outcome, () -> adapter.reset(sidToWrite(), type.definition()), "reset");
                } catch (Throwable e) {
                    // outcome failed with it: the reset's caller sees the error
                }
            }
        });
        // A copy, as for a stash: a caller that stops waiting does not stop the baseline's update.
        return landed.copy();
    }

    /**
     * Has every write of this binding recorded in {@code sids} the sid it is sent under, from now on.
     *
     * @param sids a thread-safe set, shared by the bindings of one request or exchange
     */
    void recordWritesIn(Set<String> sids) {
        sidsWritten = sids;
    }

    /**
     * Sends a stash of {@code changed} under the sid a write is sent under now: as a stash under a new sid
     * when this binding was recovered under that sid as a new session's. A hint to the engine, which then
     * writes without reading first; should the sid have reached someone who stored under it meanwhile (a
     * response committed before this stash), the engine's create is refused and it reads and merges.
     */
    private CompletionStage<Void> sendStash(Map<String, @Nullable Object> changed) {
        String to = sidToWrite();
        return to.equals(newSid) ? adapter.stashUnderNewSid(to, type.definition(), changed)
                : adapter.stash(to, type.definition(), changed);
    }

    /** @return the sid a write is sent under now, recorded first (see {@link #recordWritesIn}) */
    private String sidToWrite() {
        String current = sid;
        Set<String> record = sidsWritten;
        if (record != null) {
            record.add(current);
        }
        return current;
    }

    /**
     * Sends a write and completes {@code outcome} as it ends (within the wait's bound). If sending
     * throws, nothing was sent: {@code outcome} fails and the error is rethrown (also an {@link Error},
     * such as running out of memory while encoding, so that nothing stays recorded as in flight).
     */
    private void follow(CompletableFuture<Void> outcome, Supplier<CompletionStage<Void>> write, String operation) {
        try {
            WriteGate through = gate;
            CompletionStage<Void> sent = through == null ? write.get() : through.send(this::sid, write);
            within(sent, type.name(), operation, operationTimeout, null).whenComplete((ignored, error) -> {
                if (error != null) {
                    outcome.completeExceptionally(error);
                } else {
                    outcome.complete(null);
                }
            });
        } catch (Throwable e) {
            outcome.completeExceptionally(e);
            throw e;
        }
    }

    /**
     * @return whether stashing the view now would write: a {@link #resetAsync()} of it is in flight, a
     *     {@link #stashAsync()} waits for one, or a stored field changed ({@link #hasChanges()}). The
     *     reset and the waiting stash are looked at first, as they only ever end: once found ended, what
     *     they leave is there for {@code hasChanges()} to see (it finds no change while a reset is in
     *     flight, and asked first it could say so just before the reset landed)
     */
    boolean willWrite() {
        if (resetInFlight()) {
            return true;
        }
        StashInFlight async = lastAsyncStash;
        if (async != null && async.written() == null && !async.outcome().isDone()) {
            return true; // it waited for a reset, and writes what changed
        }
        return hasChanges();
    }

    /** @return whether a {@link #resetAsync()} is in flight (a stash started meanwhile waits for it) */
    boolean resetInFlight() {
        CompletableFuture<Void> reset = resetting;
        return reset != null && !reset.isDone();
    }

    /**
     * @return the last {@link #resetAsync()} (it completes once the view's stored state is removed and the
     *     baseline is the defaults, or fails as the reset's write did) while it is in flight or if it
     *     failed, or {@code null} when there was none or it landed
     */
    @Nullable CompletableFuture<Void> resetNotLanded() {
        CompletableFuture<Void> reset = resetting;
        return reset == null || (reset.isDone() && !reset.isCompletedExceptionally()) ? null : reset;
    }

    @Override
    public void reset() {
        beforeWrite.run();
        if (detached) {
            return;
        }
        await(adapter.reset(sidToWrite(), type.definition()), type.name(), "reset", operationTimeout, null);
        type.restore(target, defaults);
        baseline = type.snapshot(target);
        latest = baseline;
        lastAsyncStash = null;
    }

    /**
     * For web integrations: marks the view's fields as they are now, so that a handler that fails later
     * leaves them as it found them (a Spring MVC handler reached through an include, whose including
     * handler goes on).
     *
     * @return puts back the fields changed since, as they were, except keys stored since (by
     *     {@link #stashNow()} or {@link #reset()}): those get what was stored, so that no later stash
     *     undoes a write that was acknowledged. A field whose value is unchanged keeps its object, which
     *     the handler going on may hold a reference to (a list it adds to after the include), and so
     *     does a changed collection or map, which gets its content back in place
     */
    Runnable savepoint() {
        Map<String, StashedViewType.Snapshot> fields = type.snapshot(target, latest);
        Map<String, StashedViewType.Snapshot> stored = baseline;
        return () -> {
            Map<String, StashedViewType.Snapshot> now = type.snapshot(target, fields);
            Map<String, StashedViewType.Snapshot> back = new LinkedHashMap<>();
            for (String key : type.changes(fields, now).keySet()) {
                back.put(key, fields.get(key));
            }
            Map<String, StashedViewType.Snapshot> storedNow = baseline;
            for (String key : type.changes(stored, storedNow).keySet()) {
                back.remove(key);
                StashedViewType.Snapshot wasStored = storedNow.get(key);
                if (!type.changes(Map.of(key, wasStored), Map.of(key, now.get(key))).isEmpty()) {
                    back.put(key, wasStored);
                }
            }
            type.restoreInPlace(target, back);
        };
    }

    /**
     * Puts the fields changed since the last stored state (what was recovered, or stashed since) back as
     * stored, in place for a changed collection or map, as {@link #savepoint()}'s roll-back does: for a view
     * dropped because the handler that first bound it failed, whose instance a later handler of the request
     * may bind again (a request-scoped view controller), and would otherwise show the failed changes.
     */
    void restoreStored() {
        Map<String, StashedViewType.Snapshot> stored = baseline;
        Map<String, StashedViewType.Snapshot> now = type.snapshot(target, stored);
        Map<String, StashedViewType.Snapshot> back = new LinkedHashMap<>();
        for (String key : type.changes(stored, now).keySet()) {
            back.put(key, stored.get(key));
        }
        type.restoreInPlace(target, back);
    }

    /** @return the browser session id this binding's writes go to */
    String sid() {
        return sid;
    }

    /**
     * For web integrations: the browser session's id was rotated (its stored state moved to
     * {@code newSid}); later stashes and resets of this binding go there.
     *
     * @param newSid the new browser session id
     */
    public void moveTo(String newSid) {
        this.sid = Objects.requireNonNull(newSid, "newSid");
    }

    /**
     * The non-blocking writes ({@link #stashAsync()}, {@link #resetAsync()}) of this binding are sent through
     * {@code gate} from now on, which may hold them while the browser session's state moves.
     */
    void sendWritesThrough(WriteGate gate) {
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    /**
     * For web integrations: runs {@code check} before every stash and reset of this binding (e.g. to
     * follow a change of the request's principal, which may {@link #detach()} it or {@link #moveTo}
     * another sid).
     *
     * @param check what to run; must not throw for a binding it detaches
     */
    public void beforeEachWrite(Runnable check) {
        this.beforeWrite = Objects.requireNonNull(check, "check");
    }

    /**
     * For web integrations: the browser session this binding belongs to is no longer the request's
     * (it ended, or belongs to another principal): later stashes and resets do nothing, so its
     * changes never reach storage.
     */
    public void detach() {
        this.detached = true;
    }

    @Override
    public String toString() {
        return "ViewBinding[" + type.name() + " " + recovery.status() + "]";
    }

    /**
     * Waits at most {@code operationTimeout} plus {@link #WAIT_MARGIN}.
     *
     * @param abandoned what to do with a result that arrives after the wait gave up, or {@code null}
     */
    private static final String TURN = "waiting for the turn";

    private static <T> T await(CompletionStage<T> stage, String view, String operation, Duration operationTimeout,
            @Nullable Consumer<? super T> abandoned) {
        CompletableFuture<T> future = Objects.requireNonNull(stage, "stage").toCompletableFuture();
        try {
            return future.get(nanos(operationTimeout.plus(WAIT_MARGIN)), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new StashWriteException(view, operation + " of view '" + view + "' failed", cause);
        } catch (CancellationException e) {
            throw new StashWriteException(view, operation + " of view '" + view + "' was cancelled", e);
        } catch (TimeoutException e) {
            abandon(future, abandoned);
            throw operation.equals(TURN) ? StashTimeoutException.turnNotGranted(view, operationTimeout)
                    : new StashTimeoutException(view, operation, operationTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(future, abandoned);
            throw new StashWriteException(view, operation + " of view '" + view + "' was interrupted", e);
        }
    }

    /**
     * The non-blocking {@link #await}: a stage that fails with a {@link StashTimeoutException} after
     * {@code operationTimeout} plus {@link #WAIT_MARGIN}, with the engine's own failures unwrapped.
     */
    private static <T> CompletableFuture<T> within(CompletionStage<T> stage, String view, String operation,
            Duration operationTimeout, @Nullable Consumer<? super T> abandoned) {
        CompletableFuture<T> future = Objects.requireNonNull(stage, "stage").toCompletableFuture();
        CompletableFuture<T> result = new CompletableFuture<>();
        future.whenComplete((value, error) -> {
            if (error == null) {
                if (!result.complete(value) && abandoned != null) {
                    abandoned.accept(value);
                }
                return;
            }
            Throwable cause = unwrapped(error);
            if (cause instanceof CancellationException) {
                cause = new StashWriteException(view, operation + " of view '" + view + "' was cancelled", cause);
            } else if (!(cause instanceof RuntimeException) && !(cause instanceof Error)) {
                cause = new StashWriteException(view, operation + " of view '" + view + "' failed", cause);
            }
            result.completeExceptionally(cause);
        });
        // The bound is dropped when the stage completes first; a timeout completes on the timer's thread,
        // never on the common pool
        CompletableFuture<T> answer = new CompletableFuture<>();
        WaitTimer.orTimeout(result, nanos(operationTimeout.plus(WAIT_MARGIN)));
        result.whenComplete((value, error) -> {
            if (error == null) {
                answer.complete(value);
            } else if (error instanceof TimeoutException) {
                answer.completeExceptionally(operation.equals(TURN)
                        ? StashTimeoutException.turnNotGranted(view, operationTimeout)
                        : new StashTimeoutException(view, operation, operationTimeout));
            } else {
                answer.completeExceptionally(error);
            }
        });
        return answer;
    }

    private static <T> void abandon(CompletableFuture<T> future, @Nullable Consumer<? super T> abandoned) {
        if (abandoned != null) {
            future.thenAccept(abandoned);
        }
    }

    private static long nanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** @return the failure a stage's dependent saw, without the {@link CompletionException} that wraps it */
    static Throwable unwrapped(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /**
     * A {@link #stashAsync()}: the snapshot it writes ({@code null} while it waits for a reset: it writes
     * what changed when the reset ended) and the write's outcome.
     */
    private record StashInFlight(@Nullable Map<String, StashedViewType.Snapshot> written, CompletableFuture<Void> outcome) {
    }
}
