package dev.durablestash.core;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.SessionOps.RotateOp;
import dev.durablestash.core.SessionOps.SessionChange;

/**
 * A {@link SessionActor}'s changes of the whole session: session id rotation ({@link RotateOp}) and
 * end ({@link SessionOps.EndOp}). Each runs alone, in its place in the actor's arrival order, as
 * storage steps of the actor ({@link SessionActor#step}); confined to the actor's runner.
 *
 * <p>A rotation copies the live state to the storage key of a new, never-issued session id (no
 * other writer can know that id yet), then removes the object it copied with compare-and-swap on its version; should another instance have written meanwhile, it
 * copies again (over its own copy) and retries, so every write acknowledged before the rotation
 * completes is carried over. An end removes the object and loads again until no key holds state.
 * Afterwards this session is empty: an operation of it that arrives later sees defaults, and a
 * write creates a new document under its old key, which nobody reads again once the browser holds
 * the new cookie, and which expires. State is never forwarded from the old id to the new one: that
 * would hand it to whoever else holds the old id.
 */
final class SessionChanges {

    private final SessionActor actor;
    private final StashSettings settings;
    private final EngineCounters counters;
    private final SessionStorage storage;
    private final Outcomes outcomes;

    SessionChanges(SessionActor actor, StashSettings settings, EngineCounters counters, SessionStorage storage,
            Outcomes outcomes) {
        this.actor = actor;
        this.settings = settings;
        this.counters = counters;
        this.storage = storage;
        this.outcomes = outcomes;
    }

    /** Starts {@code change}: the actor is busy until it ends. */
    void start(SessionChange change) {
        start(change, 1, null);
    }

    /**
     * Rotate: load, copy the live state to the new session's key, remove it here (compare-and-swap on
     * the version copied); should another instance have written meanwhile, copy again over the new key.
     * End: load and remove, until a load finds nothing under any key. Operations of this session that
     * arrive later find it empty.
     */
    private void start(SessionChange change, int attempt, @Nullable String targetEtag) {
        actor.step(storage.load(), loaded -> {
            if (change instanceof RotateOp rotate) {
                Instant now = settings.clock().instant();
                SessionDocument doc = storage.document().isExpired(now) ? SessionDocument.empty() : storage.document();
                if (!doc.hasViews() && targetEtag == null) {
                    remove(change, attempt, null); // nothing worth carrying over
                    return;
                }
                actor.step(storage.copyTo(rotate.target(), targetEtag, doc.withExpiry(now.plus(settings.ttl()))), etag -> {
                    if (etag == null) {
                        outcomes.failChange(change, new StashWriteException("(session)", "rotate of the browser session found "
                                + "the new session's storage key in an unexpected state; nothing was removed", null));
                    } else {
                        remove(change, attempt, etag);
                    }
                }, error -> outcomes.failChange(change, error));
            } else if (storage.storesNothing()) {
                outcomes.finishChange(change);
            } else {
                remove(change, attempt, null);
            }
        }, error -> outcomes.failChange(change, error));
    }

    private void remove(SessionChange change, int attempt, @Nullable String targetEtag) {
        actor.step(storage.remove(), outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN && change instanceof RotateOp) {
                outcomes.finishChange(change);
            } else if (attempt >= settings.maxWriteAttempts()) {
                outcomes.failChange(change, new StashConflictException("(session)", attempt));
            } else {
                if (outcome == SessionStorage.WriteOutcome.CONFLICT) {
                    counters.conflicts.increment();
                }
                start(change, attempt + 1, targetEtag); // an end loads again: done when nothing is left
            }
        }, error -> outcomes.failChange(change, error));
    }
}
