package dev.durablestash.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;

import dev.durablestash.storage.StorageBackend;

/**
 * Finds or creates the one {@link SessionActor} of a session, and bounds how many stay in memory.
 *
 * <p>Live actors sit in a Caffeine cache with a maximum size and an idle timeout. When the cache
 * evicts an actor, the eviction listener (run atomically with the removal) retires it; an actor that
 * still has operations moves to {@code draining} until it has finished them, and a new actor for the
 * same key waits for it. So memory is bounded by the cap plus the actors busy right now, and a
 * session never has two writers in one JVM. Thread-safe.
 */
final class SessionRegistry {

    private final StorageBackend backend;
    private final StashSettings settings;
    private final ValueCodec codec;
    private final StorageKeys keys;
    private final EngineCounters counters = new EngineCounters();
    private final Cache<String, SessionActor> actors;
    private final ConcurrentHashMap<String, SessionActor> draining = new ConcurrentHashMap<>();
    private final Executor executor;
    private final ViewTurns turns;

    SessionRegistry(StorageBackend backend, StashSettings settings, ValueCodec codec, Executor executor,
            Deadlines deadlines) {
        this.backend = backend;
        this.settings = settings;
        this.codec = codec;
        this.executor = executor;
        this.turns = new ViewTurns(deadlines, settings.operationTimeout());
        this.keys = new StorageKeys(settings);
        this.actors = Caffeine.newBuilder()
                .maximumSize(settings.maxLiveActors())
                .expireAfterAccess(settings.actorIdleTimeout())
                .executor(executor)
                .scheduler(Scheduler.systemScheduler())
                .evictionListener((@Nullable String key, @Nullable SessionActor actor, RemovalCause cause) -> {
                    if (key != null && actor != null) {
                        retire(key, actor);
                    }
                })
                .build();
    }

    CompletionStage<Recovery> recover(String sid, ViewDefinition view, MountKind mount) {
        CompletableFuture<Recovery> result = new CompletableFuture<>();
        submit(sid, new SessionActor.RecoverOp(view, mount, result));
        return result.minimalCompletionStage(); // callers cannot complete or cancel the actor's future
    }

    CompletionStage<Void> stash(String sid, SliceDiff diff) {
        counters.stashes.increment();
        CompletableFuture<Void> result = new CompletableFuture<>();
        submit(sid, new SessionActor.StashOp(diff, result, false));
        return result.minimalCompletionStage();
    }

    CompletionStage<ViewTurn> turn(String sid, ViewDefinition view) {
        return turns.acquire(keys.currentKey(sid) + '\n' + view.name(), view.name());
    }

    private void submit(String sid, SessionActor.Op op) {
        String key = keys.currentKey(sid);
        while (true) {
            SessionActor actor = actors.get(key, k -> newActor(k, sid));
            if (actor.submit(op)) {
                return;
            }
            // Retired between lookup and submit: the cache no longer holds it, so look again.
        }
    }

    private SessionActor newActor(String key, String sid) {
        SessionActor predecessor = draining.get(key);
        return new SessionActor(key, keys.previousKeys(sid), backend, settings, codec, counters, executor,
                predecessor == null ? null : predecessor.drained());
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

    void close() {
        for (String key : actors.asMap().keySet()) {
            // Inside compute, like an eviction: no successor can be created for the key meanwhile.
            actors.asMap().computeIfPresent(key, (k, actor) -> {
                retire(k, actor);
                return null;
            });
        }
    }
}
