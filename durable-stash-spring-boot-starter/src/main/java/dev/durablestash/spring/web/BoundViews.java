package dev.durablestash.spring.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.ClassUtils;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.spring.Stash;

/**
 * The views bound to one request or exchange and the turns it holds at atomic views: what the servlet
 * {@code RequestViews} and the reactive {@code ExchangeViews} share. Each of them adapts it to its stack
 * (when views are recovered and stashed, when the turns are handed on); this class keeps the bindings
 * (one per view instance), hands a turn to each atomic view at most once, moves and detaches the
 * bindings when the browser session is rotated or ended, and reports changes no stash will store.
 * Public only so that both integrations can reach it (support code, not an API: see the package
 * description).
 *
 * <p><b>Handles.</b> A bound view is handed out as a {@link Stash}: the handle {@link #recover} or
 * {@link #recoverAsync} made, which the static methods here ({@link #target}, {@link #stashAsync},
 * {@link #resetAsync}) take; a {@code Stash} made elsewhere is rejected with an
 * {@link IllegalArgumentException}. Its waits are bounded as {@link #WAIT_MARGIN} says. The blocking
 * methods ({@link #awaitTurn}, {@link #recover}, and {@link Stash#stashNow()} and {@link Stash#reset()}
 * of a handle) wait for the engine on the calling thread; the {@code Async} ones block no thread.
 * A handle is not thread-safe: it is used by its request's processing, one step at a time.
 *
 * <p><b>Thread-safety:</b> thread-safe: the bindings are copy-on-write (the end of an exchange may read
 * them while a cancelled bind still adds), and turns may be held and handed on from any thread.
 */
public final class BoundViews {

    /**
     * How much longer than the engine's {@link StashSettings#operationTimeout() operation timeout} a
     * wait of a bound view may last: the engine fails an operation at its deadline, and this bound is a
     * second line should it not; past it the wait fails with a {@link StashTimeoutException}.
     */
    public static final Duration WAIT_MARGIN = ViewBinding.WAIT_MARGIN;

    private static final Logger log = LoggerFactory.getLogger(BoundViews.class);

    private final StashedViews views;
    private final StashAdapter adapter;
    private final Duration operationTimeout;
    private final List<ViewBinding> bindings = new CopyOnWriteArrayList<>();
    private final Set<String> turnsTaken = ConcurrentHashMap.newKeySet(2);
    private final Queue<ViewTurn> heldTurns = new ConcurrentLinkedQueue<>();
    private final WriteGate writes = new WriteGate();
    /** Whether a sid was made in this request or exchange, for an empty session, and handed to no one yet. */
    private final Predicate<String> unissued;
    /** Every sid a bound view's write was sent under. */
    private final Set<String> sidsWritten = ConcurrentHashMap.newKeySet(1);

    /**
     * Bound views that ask the engine for every recover.
     *
     * @param views the view classes
     * @param adapter the engine
     * @param operationTimeout the engine's {@link StashSettings#operationTimeout()}: every wait of a bound
     *     view lasts at most that plus {@link #WAIT_MARGIN}
     */
    public BoundViews(StashedViews views, StashAdapter adapter, Duration operationTimeout) {
        this(views, adapter, operationTimeout, sid -> false);
    }

    /**
     * Bound views that recover a view under an unissued sid without asking the engine, while no bound view
     * has written under it: nothing can be stored there, so the view keeps its defaults (no storage read, no
     * session actor made). Saves a read per new browser session's first page, and one per request of a client
     * that never sends its cookie back.
     *
     * @param views the view classes
     * @param adapter the engine
     * @param operationTimeout the engine's {@link StashSettings#operationTimeout()}
     * @param unissued whether a sid was made (by {@link dev.durablestash.core.SessionIds#newSid()}) in this
     *     request or exchange for a new, empty session, and has reached no one yet: no response carrying it
     *     has been committed. Asked on the thread that binds a view; must be thread-safe
     */
    public BoundViews(StashedViews views, StashAdapter adapter, Duration operationTimeout,
            Predicate<String> unissued) {
        this.views = Objects.requireNonNull(views, "views");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.operationTimeout = Objects.requireNonNull(operationTimeout, "operationTimeout");
        this.unissued = Objects.requireNonNull(unissued, "unissued");
    }

    /**
     * Waits for the browser session's turn at an atomic view (see {@link StashAdapter#turn}): take it
     * before recovering the view, and {@link #hold} it. Logs at DEBUG when the turn is not free at once.
     *
     * @param viewClass the view's class
     * @param sid the browser session id
     * @return the turn, now held by the caller
     * @throws StashTimeoutException when the turn was not granted within the bound; a turn granted
     *     after this wait gave up is handed on at once
     */
    public ViewTurn awaitTurn(Class<?> viewClass, String sid) {
        return ViewBinding.awaitTurn(views.typeOf(viewClass), sid, adapter, operationTimeout);
    }

    /**
     * The non-blocking {@link #awaitTurn}.
     *
     * @return a stage with the turn (now held by the caller, who must close it on every path), or failed
     *     with a {@link StashTimeoutException}; a turn granted after the bound passed is handed on at once
     */
    public CompletionStage<ViewTurn> awaitTurnAsync(Class<?> viewClass, String sid) {
        return ViewBinding.awaitTurnAsync(views.typeOf(viewClass), sid, adapter, operationTimeout);
    }

    /**
     * Recovers a view's stored keys into its fields (waiting for storage); then {@link #add} the handle.
     * On a storage error the fields keep their defaults (the engine logged it).
     *
     * @param target the view instance
     * @param sid the browser session id
     * @param mount whether the page is new or rejoining
     * @param beforeEachWrite runs before every stash and reset of the view (e.g. to follow a change of the
     *     request's principal, which may {@link #detach()} or {@link #moveTo} the bound views)
     * @return the handle of the recovered view, not bound yet
     * @throws StashTimeoutException when the engine did not answer within the bound
     */
    public Stash recover(Object target, String sid, MountKind mount, Runnable beforeEachWrite) {
        ViewBinding binding = ViewBinding.recover(views.typeOf(target.getClass()), target, sid, mount, adapter,
                operationTimeout, nothingStoredUnder(sid));
        binding.recordWritesIn(sidsWritten);
        binding.beforeEachWrite(beforeEachWrite);
        return binding;
    }

    /**
     * @return whether nothing can be stored under {@code sid}: made in this request or exchange for an empty
     *     session, handed to no one yet, and no bound view has written under it
     */
    private boolean nothingStoredUnder(String sid) {
        return !sidsWritten.contains(sid) && unissued.test(sid);
    }

    /**
     * The non-blocking {@link #recover} (without a check before writes): the fields are not touched
     * until the stage completes, on an engine thread.
     *
     * @return a stage with the handle, not bound yet, or failed with a {@link StashTimeoutException}
     */
    public CompletionStage<Stash> recoverAsync(Object target, String sid, MountKind mount) {
        return ViewBinding.recoverAsync(views.typeOf(target.getClass()), target, sid, mount, adapter,
                operationTimeout, nothingStoredUnder(sid)).thenApply(binding -> {
                    binding.recordWritesIn(sidsWritten);
                    return binding;
                });
    }

    /** @return the view instance of a handle */
    public static Object target(Stash handle) {
        return binding(handle).target();
    }

    /**
     * The non-blocking {@link Stash#stashNow()} of a handle. Do not change the fields or start another
     * stash of it until the stage completed.
     *
     * @return a stage that completes when the changes are durable (at once when there are none), or fails
     *     as {@code stashNow()} throws
     */
    public static CompletionStage<Void> stashAsync(Stash handle) {
        return binding(handle).stashAsync();
    }

    /**
     * The non-blocking {@link Stash#reset()} of a handle: the fields go back to their defaults at once.
     *
     * @return a stage that completes once the view's stored state is removed, or fails as {@code reset()}
     *     throws (the fields stay at their defaults)
     */
    public static CompletionStage<Void> resetAsync(Stash handle) {
        return binding(handle).resetAsync();
    }

    /**
     * {@link #resetAsync(Stash)}, its write sent once {@code ready} completed (e.g. once the browser session
     * followed a login); the fields go back to their defaults at once all the same.
     *
     * @return a stage as {@link #resetAsync(Stash)}'s, failed with {@code ready}'s error should it fail
     */
    public static CompletionStage<Void> resetAsync(Stash handle, CompletionStage<?> ready) {
        return binding(handle).resetAsync(ready);
    }

    private static ViewBinding binding(Stash handle) {
        if (handle instanceof ViewBinding binding) {
            return binding;
        }
        throw new IllegalArgumentException("not a handle of a bound view: " + handle);
    }

    /** @return the handle of this very instance, or {@code null} when it is not bound */
    public @Nullable Stash find(Object target) {
        return findBinding(target);
    }

    private @Nullable ViewBinding findBinding(Object target) {
        for (ViewBinding binding : bindings) {
            if (binding.target() == target) {
                return binding;
            }
        }
        return null;
    }

    /** @return the handle of an instance of this view class, or {@code null} when none is bound */
    public @Nullable Stash find(Class<?> viewClass) {
        Class<?> userClass = ClassUtils.getUserClass(viewClass);
        for (ViewBinding binding : bindings) {
            if (ClassUtils.getUserClass(binding.target()) == userClass) {
                return binding;
            }
        }
        return null;
    }

    /**
     * @param recovered a handle just recovered ({@link #recover}, {@link #recoverAsync})
     * @return the handle of its instance, which is {@code recovered} unless the instance was bound meanwhile
     */
    public synchronized Stash add(Stash recovered) {
        ViewBinding binding = binding(recovered);
        ViewBinding existing = findBinding(binding.target());
        if (existing != null) {
            return existing;
        }
        binding.sendWritesThrough(writes);
        bindings.add(binding);
        return binding;
    }

    /**
     * {@link #add}, unless the browser session left the sid the handle was recovered under while it was
     * recovered (its state moved to a new sid, or the session ended or was replaced): such a view is not
     * bound, so that nothing it holds or writes goes to the sid left. Checked under the lock that
     * {@link #moveTo} and {@link #detach()} take: have the session change its sid before it calls them.
     *
     * @param recovered a handle just recovered
     * @param sessionSid the browser session's sid now ({@code null}: none)
     * @return the handle of its instance, or {@code null} when the session left the sid: recover it again
     */
    public synchronized @Nullable Stash addIfStillUnder(Stash recovered, Supplier<@Nullable String> sessionSid) {
        if (!binding(recovered).sid().equals(sessionSid.get())) {
            return null;
        }
        return add(recovered);
    }

    /** @return the handles of the bound views, in the order they were bound */
    public List<Stash> all() {
        return List.copyOf(bindings);
    }

    /**
     * @param viewClass an atomic view's class ({@link StashedViews#isAtomic})
     * @return {@code true} the first time it is asked for this view: the request is to wait for its turn
     */
    public boolean takesTurn(Class<?> viewClass) {
        return turnsTaken.add(views.typeOf(viewClass).name());
    }

    /**
     * Marks taken the turns of the atomic ones among views a handler is about to bind, in the order
     * in which every request takes them: by view name. Waiting for them in that order before any of
     * them is bound (each bind then finds its turn taken) keeps two requests of one session whose
     * handlers bind the same views in different orders (the controller first, then the arguments
     * from left to right) from each holding the turn the other waits for.
     *
     * @param viewClasses the views' classes, in any order
     * @return the classes whose turns are now to be waited for, in that order: empty unless at
     *     least two of the views are atomic (one turn needs no order, and its bind takes it)
     */
    public List<Class<?>> takeTurnsInOrder(Collection<Class<?>> viewClasses) {
        TreeMap<String, Class<?>> atomic = new TreeMap<>();
        for (Class<?> viewClass : viewClasses) {
            StashedViewType type = views.typeOf(viewClass);
            if (type.atomic()) {
                atomic.putIfAbsent(type.name(), viewClass);
            }
        }
        if (atomic.size() < 2) {
            return List.of();
        }
        List<Class<?>> order = new ArrayList<>(atomic.size());
        atomic.forEach((name, viewClass) -> {
            if (turnsTaken.add(name)) {
                order.add(viewClass);
            }
        });
        return order;
    }

    /** Holds a granted turn until {@link #releaseTurns()}. */
    public void hold(ViewTurn turn) {
        heldTurns.add(turn);
    }

    /** Hands every held turn on; idempotent, callable from any thread. */
    public void releaseTurns() {
        ViewTurn turn;
        while ((turn = heldTurns.poll()) != null) {
            turn.close();
        }
    }

    /**
     * Marks the bound views as they are now, for a handler that may fail while the one that called it
     * goes on (a Spring MVC include): a failed handler's changes are never stashed.
     *
     * @return run it when that handler failed: the views bound since are dropped (their changes are
     *     never stashed, their fields are put back as stored, for a later handler that binds the same
     *     instance again; their turns stay held until {@link #releaseTurns()}), and the fields of the
     *     views bound now are put back as they were, except keys stored since (an explicit stash or
     *     reset), which get what was stored
     */
    public Runnable savepoint() {
        List<ViewBinding> before = List.copyOf(bindings);
        List<Runnable> rollBacks = new ArrayList<>(before.size());
        for (ViewBinding binding : before) {
            rollBacks.add(binding.savepoint());
        }
        return () -> {
            for (ViewBinding binding : bindings) {
                if (before.stream().noneMatch(b -> b == binding)) {
                    binding.restoreStored();
                    binding.detach();
                    bindings.remove(binding);
                }
            }
            rollBacks.forEach(Runnable::run);
        };
    }

    /**
     * A view's turn was handed on before the request ended (its changes were stashed): the view is
     * dropped, so that should the request bind it again, it waits for the turn again and recovers what
     * the requests that had the turn meanwhile stored, rather than changing what it recovered before.
     *
     * @param viewName the view's name ({@link StashedViews#definitionOf})
     */
    public void forget(String viewName) {
        turnsTaken.remove(viewName);
        for (ViewBinding binding : bindings) {
            if (views.typeOf(binding.target().getClass()).name().equals(viewName)) {
                binding.detach();
                bindings.remove(binding);
            }
        }
    }

    /**
     * The browser session's state is about to move to a new sid: every non-blocking stash and reset of the
     * bound views (and of views bound later) sent from now on waits until {@code moved} completed, then goes
     * to the sid the view has then ({@link #moveTo}, called before {@code moved} completes); when it failed,
     * the writes of views still under {@code from} fail with its error, unsent, as their later writes do
     * (views bound under another sid since, once the session ended or was replaced, write). Those sent before
     * this call have reached the engine when it returns: send the move after it, and they are moved along. So
     * none lands under the old sid once the move started.
     *
     * @param moved completes once the writes may go (the move landed, or a failed move left the views on a
     *     sid they may write to), or fails when they must not (a login's move failed)
     * @param from the sid the state moves from
     */
    public void holdWritesUntil(CompletableFuture<?> moved, String from) {
        writes.holdUntil(moved, from);
    }

    /** The browser session's id was rotated: later stashes of the bound views go to the new id. */
    public synchronized void moveTo(String newSid) {
        for (ViewBinding binding : bindings) {
            binding.moveTo(newSid);
        }
    }

    /**
     * The browser session ended or was replaced: the bound views are dropped, so their changes are never
     * stashed and a view bound later starts from defaults under the next sid.
     */
    public synchronized void detach() {
        for (ViewBinding binding : bindings) {
            binding.detach();
        }
        bindings.clear();
    }

    /** @return whether a bound view has changes not stashed yet */
    public boolean hasChanges() {
        for (ViewBinding binding : bindings) {
            if (binding.hasChanges()) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return whether stashing the bound views now would write something: a view has changes, or a
     *     non-blocking reset of one is in flight (a stash of it waits for the reset and writes, although
     *     {@link #hasChanges()} says nothing changed meanwhile), or a non-blocking stash of one waits for
     *     such a reset. Unlike {@code hasChanges() || hasResetInFlight()}, a reset that lands while this
     *     looks is never missed by both.
     */
    public boolean willWrite() {
        for (ViewBinding binding : bindings) {
            if (binding.willWrite()) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return whether a bound view's non-blocking reset is in flight: a stash of it, which waits for the
     *     reset, writes although {@link #hasChanges()} says nothing changed
     */
    public boolean hasResetInFlight() {
        for (ViewBinding binding : bindings) {
            if (binding.resetInFlight()) {
                return true;
            }
        }
        return false;
    }

    /** @return the outcomes of the bound views' non-blocking stashes still in flight */
    private List<CompletableFuture<Void>> stashesInFlight() {
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        for (ViewBinding binding : bindings) {
            CompletableFuture<Void> outcome = binding.stashInFlight();
            if (outcome != null) {
                inFlight.add(outcome);
            }
        }
        return inFlight;
    }

    /**
     * For an exchange that ended after its handler finished, while its views may still have changes or
     * writes in flight (nobody waits for them any more): logs an ERROR now if a bound view has changes
     * not stashed (see {@link #reportUnstashed}), and one later for each stash or reset in flight that
     * fails, or now for a stash or reset that failed unseen (the response's status was decided before it
     * failed). A stash ending meanwhile is seen by one or both,
     * never by neither: the stashes in flight are taken first, so one that fails after that is followed,
     * and one that failed before shows as changes. A view whose reset is in flight is looked at once the
     * reset landed.
     *
     * @param where the request's path
     * @param reasonForChanges why the changes found now cannot be stashed any more, and what to do
     */
    public void reportUnstashedAtEnd(Object where, String reasonForChanges) {
        List<CompletableFuture<Void>> stashes = stashesInFlight();
        followResets(where, reasonForChanges);
        List<String> changed = new ArrayList<>();
        for (ViewBinding binding : bindings) {
            CompletableFuture<Void> reset = binding.resetNotLanded();
            if (reset != null && reset.isCompletedExceptionally()) {
                continue; // a view whose reset failed is reported as such: its fields, at their defaults, are no changes
            }
            Unstashed unstashed = Unstashed.of(binding);
            if (!unstashed.stable()) {
                unstashed.warnIfAny(where);
                continue;
            }
            CompletableFuture<Void> stash = binding.stashNotLanded();
            if (stash != null && stash.isCompletedExceptionally()) {
                log.error("Changes to view '{}' in {} are NOT stashed: their stash failed after the response's status "
                        + "was decided: {}", binding.view(), where,
                        ViewBinding.unwrapped(stash.handle((ok, failure) -> failure).join()).toString());
            } else {
                changed.add(binding.view());
            }
        }
        if (!changed.isEmpty()) {
            logUnstashed(changed, where, reasonForChanges);
        }
        for (CompletableFuture<Void> stash : stashes) {
            stash.whenComplete((ok, failure) -> {
                if (failure != null) {
                    reportUnstashed(where, "their stash failed after the exchange had ended (it was still in "
                            + "flight when the exchange ended): " + failure);
                }
            });
        }
    }

    /**
     * For an exchange that ended before its handler finished (the client went away): its changes are
     * dropped, as a failed handler's are, but a stash or reset the handler sent that fails afterwards,
     * or failed with nobody waiting for it, is logged at ERROR.
     *
     * @param where the request's path
     */
    public void reportWritesFailedAtEnd(Object where) {
        followResets(where, null);
        for (ViewBinding binding : bindings) {
            CompletableFuture<Void> stash = binding.stashNotLanded();
            if (stash != null) {
                stash.whenComplete((ok, failure) -> {
                    if (failure != null) {
                        log.error("Changes to view '{}' in {} are NOT stashed: its stash failed after the client had "
                                + "gone away (nobody waited for it any more): {}", binding.view(), where,
                                failure.toString());
                    }
                });
            }
        }
    }

    /**
     * Logs an ERROR for each bound view's reset that fails, or failed, with nobody waiting for it; and,
     * when {@code reasonForChanges} is given, for each view that has changes once its reset landed (values
     * set after the reset, which nothing will stash).
     */
    private void followResets(Object where, @Nullable String reasonForChanges) {
        for (ViewBinding binding : bindings) {
            CompletableFuture<Void> reset = binding.resetNotLanded();
            if (reset != null) {
                reset.whenComplete((ok, failure) -> {
                    if (failure != null) {
                        log.error("The reset of view '{}' in {} FAILED after the response's status was decided or "
                                + "its client had gone away, so nothing answered says so; its stored state may be "
                                + "left as it was: {}", binding.view(), where, ViewBinding.unwrapped(failure).toString());
                    } else if (reasonForChanges != null) {
                        Unstashed unstashed = Unstashed.of(binding);
                        if (unstashed.stable()) {
                            log.error("Changes to view '{}' in {} are NOT stashed: {}", binding.view(), where,
                                    reasonForChanges);
                        } else {
                            unstashed.warnIfAny(where);
                        }
                    }
                });
            }
        }
    }

    /**
     * Logs an ERROR naming the bound views that have changes not stashed (all bound views when none
     * has): their changes will not be stashed.
     *
     * @param where the request's path
     * @param reason why they cannot be stashed any more, and what to do
     */
    private void reportUnstashed(Object where, String reason) {
        List<String> changed = bindings.stream().filter(ViewBinding::hasChanges).map(ViewBinding::view).toList();
        logUnstashed(changed.isEmpty() ? bindings.stream().map(ViewBinding::view).toList() : changed, where, reason);
    }

    /**
     * Logs an ERROR naming the bound views with changes no stash stored, other than keys whose JSON differs
     * on every write, and a WARN for each view whose only changes are such keys; each bound view's changes
     * are looked at once.
     *
     * @param where the request's path
     * @param reason why they cannot be stashed any more, and what to do
     * @param error whether to log the ERROR
     * @param warned run once a WARN was logged, or {@code null} to log none
     * @return whether it logged the ERROR
     */
    public boolean reportUnstashedChanges(Object where, String reason, boolean error, @Nullable Runnable warned) {
        List<String> changed = new ArrayList<>();
        boolean warnedAny = false;
        for (ViewBinding binding : bindings) {
            Unstashed unstashed = Unstashed.of(binding);
            if (unstashed.stable()) {
                changed.add(binding.view());
            } else if (warned != null) {
                warnedAny |= unstashed.warnIfAny(where);
            }
        }
        if (warnedAny) {
            warned.run();
        }
        boolean errorLogged = error && !changed.isEmpty();
        if (errorLogged) {
            logUnstashed(changed, where, reason);
        }
        return errorLogged;
    }

    /** A bound view's changes no stash stored, and those of its keys whose JSON differs on every write. */
    private record Unstashed(ViewBinding binding, Set<String> changed, Set<String> onEveryWrite) {

        static Unstashed of(ViewBinding binding) {
            Set<String> changed = binding.changedKeys();
            return new Unstashed(binding, changed, binding.changedOnEveryWrite(changed));
        }

        /** @return whether a change is of a key whose JSON does not differ on every write */
        boolean stable() {
            return !onEveryWrite.containsAll(changed);
        }

        /**
         * Logs a WARN when the only changes are keys whose JSON differs on every write: they count as changed
         * even when stashed, so a change to them that no stash stored cannot be told apart.
         *
         * @return whether it logged one
         */
        boolean warnIfAny(Object where) {
            if (changed.isEmpty()) {
                return false;
            }
            log.warn("The JSON of key(s) {} of view '{}' in {} differs each time it is written (a getter of the "
                    + "time, say): they count as changed at every stash, so every exchange that binds the view "
                    + "writes them, and a change to them that no stash of this exchange stored (one made after the "
                    + "response was committed, or before a stash the client did not wait for) cannot be told apart "
                    + "and is lost", onEveryWrite, binding.view(), where);
            return true;
        }
    }

    private static void logUnstashed(List<String> views, Object where, String reason) {
        log.error("Changes to view(s) {} in {} are NOT stashed: {}", views, where, reason);
    }
}
