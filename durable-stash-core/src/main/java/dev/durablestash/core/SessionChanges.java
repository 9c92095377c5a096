package dev.durablestash.core;

import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>A rotation that fails leaves the state under the old id, whose cookie the browser keeps: should
 * the removal of the old object fail without saying whether it happened, the copied state is written
 * back over the version it tried to remove (which also fences off a late delete of it); and should the
 * caller's deadline answer first (the caller is told the rotation failed), it does not remove the old
 * object, or, when it had removed it already, puts the state back under the old id. An end removes
 * and loads again until nothing is left; {@link StashSettings#maxWriteAttempts()} bounds its removals
 * that met a conflict, and one more load confirms the last.
 */
final class SessionChanges {

    /** The actor's logger: these lines are the actor's. */
    private static final Logger log = LoggerFactory.getLogger(SessionActor.class);

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
                    remove(change, attempt, null, null); // nothing worth carrying over
                    return;
                }
                SessionDocument copy = doc.withExpiry(now.plus(settings.ttl()));
                actor.step(storage.copyTo(rotate.target(), targetEtag, copy), etag -> {
                    if (etag == null) {
                        outcomes.failChange(change, new StashWriteException("(session)", "rotate of the browser session found "
                                + "the new session's storage key in an unexpected state; nothing was removed", null));
                    } else if (rotate.answer().deadlinePassed()) {
                        // The caller was told the rotation failed and keeps the old id: leave the state under it.
                        outcomes.failChange(change, timedOut(change));
                    } else {
                        remove(change, attempt, etag, copy);
                    }
                }, error -> outcomes.failChange(change, error));
            } else if (storage.storesNothing()) {
                outcomes.finishChange(change);
            } else if (attempt > settings.maxWriteAttempts()) {
                // Removed once more than allowed, and another writer stored state again meanwhile.
                outcomes.failChange(change, new StashConflictException("(session)", attempt - 1));
            } else {
                remove(change, attempt, null, null);
            }
        }, error -> outcomes.failChange(change, error));
    }

    /** @param copy what a rotation copied to the new session's key ({@code null}: nothing) */
    private void remove(SessionChange change, int attempt, @Nullable String targetEtag, @Nullable SessionDocument copy) {
        SessionStorage.At removing = storage.removable();
        actor.step(storage.remove(), outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN && change instanceof RotateOp rotate) {
                finishRotation(rotate, removing, copy);
            } else if (outcome == SessionStorage.WriteOutcome.CONFLICT && attempt >= settings.maxWriteAttempts()) {
                outcomes.failChange(change, new StashConflictException("(session)", attempt));
            } else {
                if (outcome == SessionStorage.WriteOutcome.CONFLICT) {
                    counters.conflicts.increment();
                }
                start(change, attempt + 1, targetEtag); // an end loads again: done when nothing is left
            }
        }, error -> {
            if (change instanceof RotateOp rotate && removing != null && copy != null) {
                settleRemoval(rotate, attempt, targetEtag, removing, copy, error);
            } else {
                outcomes.failChange(change, error);
            }
        });
    }

    /**
     * A rotation's removal of the old object failed without saying whether it happened (an answer lost,
     * or none in time: a late delete may still land). Settles it by writing the copied state back over
     * the version it tried to remove: written, the state is under the old id again (and a late delete of
     * that version can no longer succeed), so the rotation failed and loses nothing; refused, the object
     * is gone or changed, and a load tells which.
     */
    private void settleRemoval(RotateOp rotate, int attempt, @Nullable String targetEtag, SessionStorage.At removing,
            SessionDocument copy, Throwable removalError) {
        actor.step(storage.copyTo(removing.key(), removing.etag(), copy), etag -> {
            if (etag != null) {
                outcomes.failChange(rotate, removalError);
                return;
            }
            actor.step(storage.load(), loaded -> {
                if (storage.storesNothing()) {
                    finishRotation(rotate, removing, copy); // the removal happened: the state is under the new id
                } else if (attempt >= settings.maxWriteAttempts()) {
                    outcomes.failChange(rotate, new StashConflictException("(session)", attempt));
                } else {
                    start(rotate, attempt + 1, targetEtag); // written meanwhile by another instance: copy again
                }
            }, error -> outcomes.failChange(rotate, error));
        }, error -> outcomes.failChange(rotate, removalError));
    }

    /**
     * The old object is gone and the state is under the new id. Reports success, unless the caller's
     * deadline answered first: that caller keeps the old id, so the state is put back under it.
     *
     * @param removed the object the rotation removed ({@code null}: nothing was stored)
     */
    private void finishRotation(RotateOp rotate, SessionStorage.@Nullable At removed, @Nullable SessionDocument copy) {
        if (rotate.answer().reserveForOutcome()) {
            outcomes.finishChange(rotate);
            return;
        }
        if (removed == null || copy == null) {
            outcomes.failChange(rotate, timedOut(rotate)); // nothing was carried over: nothing to put back
            return;
        }
        actor.step(storage.copyTo(removed.key(), null, copy), etag -> {
            if (etag == null) {
                log.warn("rotate of a browser session timed out after it removed the state under the old id; another "
                        + "writer stored a new document there since, so the state was not put back (it stays under "
                        + "the new id's key, which the browser did not get)");
            }
            outcomes.failChange(rotate, timedOut(rotate));
        }, error -> {
            log.warn("rotate of a browser session timed out after it removed the state under the old id, and putting "
                    + "it back failed: {}", Outcomes.summary(error));
            outcomes.failChange(rotate, error);
        });
    }

    /** The failure of a change whose caller was answered at its deadline (that caller saw its own timeout). */
    private StashTimeoutException timedOut(SessionChange change) {
        return new StashTimeoutException("(session)", change.name(), settings.operationTimeout());
    }
}
