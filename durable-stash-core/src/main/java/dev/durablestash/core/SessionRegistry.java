package dev.durablestash.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.durablestash.storage.StorageBackend;

/**
 * Finds or creates the one {@link SessionActor} of a session, bounds how many stay in memory, and
 * puts each caller's deadline on its operation.
 *
 * <p>Live actors sit in a Caffeine cache with a maximum weight and an idle timeout. An actor weighs
 * one, or more while its cached document is larger than {@code maxLiveBytes / maxLiveActors}
 * ({@link StashSettings#actorWeight}), so both the number of live actors and the bytes of documents
 * they cache are bounded; an actor is weighed again when its document changes size. When the cache
 * evicts an actor, the eviction listener (run atomically with the removal) retires it; an actor that
 * still has operations moves to {@code draining} until it has finished them, and a new actor for the
 * same session waits for it. So memory is bounded by the cap plus the actors busy right now, and a
 * session never has two writers in one JVM. Once {@link #close() closed}, operations that arrive are
 * refused at once (a stash or session change fails with a {@link StashWriteException}, a recover reports
 * {@code ERROR}) and nothing is written for them.
 *
 * <p>Actors are found by session id, so a call to a live actor computes no HMAC: the session's storage
 * keys are derived once, when its actor is created. The raw id is kept as long as its actor is (the
 * cache's key, then {@code draining}'s until the retired actor has finished), and no longer.
 *
 * <p>An operation answered before {@link SessionActor#submit} returns (the actor was idle and ran it
 * on the caller's thread, and storage answered at once) gets no deadline: there is nothing left to
 * wait for. Thread-safe.
 */
final class SessionRegistry {

    private final StashSettings settings;
    private final ValueCodec codec;
    private final StorageKeys keys;
    private final TimedStorage storage;
    private final Deadlines deadlines;
    private final Duration timeout;
    private final Executor executor;
    private final ViewTurns turns;
    private final EngineCounters counters = new EngineCounters();
    /** By session id: finding a live actor computes no HMAC (its storage keys are derived once, when it is created). */
    private final Cache<String, SessionActor> actors;
    /** By session id, like {@code actors}: retired actors still finishing their operations. */
    private final ConcurrentHashMap<String, SessionActor> draining = new ConcurrentHashMap<>();
    private final Function<String, SessionActor> create = this::newActor;
    private volatile boolean closed;

    SessionRegistry(StorageBackend backend, StashSettings settings, ValueCodec codec, Executor executor,
            Deadlines deadlines) {
        this.settings = settings;
        this.codec = codec;
        this.executor = executor;
        this.deadlines = deadlines;
        this.timeout = settings.operationTimeout();
        this.storage = new TimedStorage(backend, deadlines, timeout);
        this.turns = new ViewTurns(deadlines, timeout);
        this.keys = new StorageKeys(settings);
        this.actors = Caffeine.newBuilder()
                // At most maxLiveActors actors, and at most maxLiveBytes of cached documents: see actorWeight.
                .maximumWeight(settings.maxLiveActors())
                .weigher((String sid, SessionActor actor) -> actor.weight())
                .expireAfterAccess(settings.actorIdleTimeout())
                // Maintenance (recording reads, evicting) on the calling thread, as it happens: handed to the
                // executor, it woke a pool thread several times per write when 64 callers shared a session.
                // Expiry of idle actors, which no call triggers, runs on the deadline timer's hand-off instead.
                .executor(Runnable::run)
                .scheduler((ignored, task, delay, unit) -> deadlines.after(Duration.ofNanos(unit.toNanos(delay)), task))
                .evictionListener((@Nullable String key, @Nullable SessionActor actor, RemovalCause cause) -> {
                    if (key != null && actor != null) {
                        retire(key, actor);
                    }
                })
                .build();
    }

    CompletionStage<Recovery> recover(String sid, ViewDefinition view, MountKind mount) {
        SessionOps.RecoverOp op = new SessionOps.RecoverOp(view, mount, new CompletableFuture<>());
        SessionActor actor = submit(sid, op);
        if (actor == null) {
            return CompletableFuture.completedFuture(Recovery.error(refused(view.name(), "recover")));
        }
        return withDeadline(actor, op, op.result(), new SessionOps.CallerAnswer(),
                (caller, timedOut) -> caller.complete(Recovery.error(timedOut)),
                () -> new StashTimeoutException(view.name(), "recover", timeout), acknowledged -> { });
    }

    CompletionStage<Void> stash(String sid, SliceDiff diff) {
        return stash(sid, diff, false);
    }

    /** @param underNewSid the caller made {@code sid} new and handed it to no one yet ({@link SessionOps.StashOp}) */
    CompletionStage<Void> stash(String sid, SliceDiff diff, boolean underNewSid) {
        counters.stashes.increment();
        // The answer is shared with the actor, which drops the stash from its batch once the deadline answered.
        SessionOps.CallerAnswer answer = new SessionOps.CallerAnswer();
        SessionOps.StashOp op = new SessionOps.StashOp(diff, new CompletableFuture<>(), false, answer, underNewSid);
        SessionActor actor = submit(sid, op);
        String view = diff.isTouch() ? "(none)" : diff.view();
        String operation = diff.mode() == SliceDiff.Mode.RESET ? "reset" : "stash";
        if (actor == null) {
            counters.failed.increment();
            return CompletableFuture.failedFuture(refused(view, operation));
        }
        return withDeadline(actor, op, op.result(), answer, CompletableFuture::completeExceptionally,
                () -> new StashTimeoutException(view, operation, timeout),
                acknowledged -> (acknowledged ? counters.acknowledged : counters.failed).increment());
    }

    CompletionStage<Void> rotate(String sid, String newSid) {
        return change(sid, new SessionOps.RotateOp(keys.currentKey(newSid), new CompletableFuture<>(),
                new SessionOps.CallerAnswer()));
    }

    CompletionStage<Void> end(String sid) {
        return change(sid, new SessionOps.EndOp(new CompletableFuture<>()));
    }

    private CompletionStage<Void> change(String sid, SessionOps.SessionChange op) {
        SessionActor actor = submit(sid, op);
        if (actor == null) {
            return CompletableFuture.failedFuture(refused("(session)", op.name()));
        }
        // A rotation's answer is shared with the actor, which reserves it before it reports success.
        SessionOps.CallerAnswer answer = op instanceof SessionOps.RotateOp rotate ? rotate.answer()
                : new SessionOps.CallerAnswer();
        return withDeadline(actor, op, op.result(), answer, CompletableFuture::completeExceptionally,
                () -> new StashTimeoutException("(session)", op.name(), timeout), succeeded -> { });
    }

    CompletionStage<ViewTurn> turn(String sid, ViewDefinition view) {
        // The lane exists only while the turn is held or waited for, i.e. while a request of the session is in flight.
        return turns.acquire(sid + '\n' + view.name(), view.name());
    }

    /**
     * The caller's copy of an operation's future (callers cannot complete or cancel the actor's): it
     * follows the operation, or is answered at the deadline, whichever comes first ({@link CallerFuture}:
     * the waiting threads of a written batch's callers are woken together, helped by those that wake
     * first). {@code outcome} counts what the caller was told (true: success), once, before the caller
     * can see it; a write that lands after its caller was failed at the deadline counts as failed.
     */
    private <T> CompletionStage<T> withDeadline(SessionActor actor, SessionOps.Op op, CompletableFuture<T> result,
            SessionOps.CallerAnswer answer, BiConsumer<CompletableFuture<T>, StashTimeoutException> onTimeout, Supplier<StashTimeoutException> timeoutError,
            Consumer<Boolean> outcome) {
        if (result.isDone()) {
            // Answered before submit returned (the actor was idle and drained on this thread, and
            // storage answered at once): no deadline to set, nothing to cancel.
            outcome.accept(!result.isCompletedExceptionally());
            CallerFuture<T> answered = new CallerFuture<>(); // the same kind of stage as one answered later
            result.whenComplete((value, error) -> settle(answered, value, error));
            return answered;
        }
        CallerFuture<T> caller = new CallerFuture<>();
        Future<?> deadline = deadlines.after(timeout, () -> {
            if (answer.takeForDeadline()) {
                StashTimeoutException timedOut = timeoutError.get();
                outcome.accept(false);
                onTimeout.accept(caller, timedOut);
                actor.expire(op, timedOut);
            }
        });
        result.whenComplete((value, error) -> {
            deadline.cancel(false);
            if (answer.takeForOutcome()) {
                outcome.accept(error == null);
                settle(caller, value, error);
            }
        });
        return caller;
    }

    /** Completes {@code caller} as the operation ended: with {@code error} when not null, else {@code value}. */
    private static <T> void settle(CompletableFuture<T> caller, @Nullable T value, @Nullable Throwable error) {
        if (error != null) {
            caller.completeExceptionally(error);
        } else {
            caller.complete(value);
        }
    }

    /** @return the actor that took {@code op}, or {@code null} when the registry is closed (nothing was submitted) */
    private @Nullable SessionActor submit(String sid, SessionOps.Op op) {
        while (true) {
            if (closed) {
                return null;
            }
            SessionActor actor = actors.get(sid, create);
            if (actor.submit(op)) {
                return actor;
            }
            // Retired between lookup and submit: the cache no longer holds it, so look again.
        }
    }

    private SessionActor newActor(String sid) {
        SessionActor predecessor = draining.get(sid);
        return new SessionActor(keys.of(sid), storage, settings, codec, counters, new SerialRunner(executor), deadlines,
                predecessor == null ? null : predecessor.drained(), actor -> reweigh(sid, actor));
    }

    /**
     * The actor's document changed size: the cache weighs it again (a replace by itself), and evicts
     * what the weights now exceed, on this thread (the actor's runner, outside any of the cache's
     * computations). Nothing when the actor is no longer cached.
     */
    private void reweigh(String sid, SessionActor actor) {
        actors.asMap().replace(sid, actor, actor);
    }

    /** Runs atomically with the actor's removal from the cache (eviction listener, or close). */
    private void retire(String key, SessionActor actor) {
        counters.evictions.increment();
        draining.put(key, actor); // replaces its predecessor, if any: actor.drained() waits for that one too
        actor.retire();
        actor.drained().whenComplete((ignored, error) -> draining.remove(key, actor));
    }

    StashStatistics statistics() {
        actors.cleanUp();
        return counters.snapshot(actors.estimatedSize() + draining.size());
    }

    private static StashWriteException refused(String view, String operation) {
        return new StashWriteException(view, "The " + operation + " of view '" + view + "' was refused: the engine is "
                + "closed (the application is shutting down); nothing was read or written", null);
    }

    void close() {
        closed = true;
        for (String key : actors.asMap().keySet()) {
            // Inside compute, like an eviction: no successor can be created for the key meanwhile.
            actors.asMap().computeIfPresent(key, (k, actor) -> {
                retire(k, actor);
                return null;
            });
        }
    }
}
