package dev.durablestash.core;

import java.time.Instant;
import java.util.concurrent.CompletionStage;

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
 * completes is carried over; once reported, it loads again and removes whatever is still under the
 * old id's keys (a move marker left under an older secret's key). An end removes the object and loads again
 * until no key holds state.
 * Afterwards this session is empty: an operation of it that arrives later sees defaults, and a
 * write stores a new document under its old key, which nobody reads again once the browser holds
 * the new cookie, and which expires. State is never forwarded from the old id to the new one: that
 * would hand it to whoever else holds the old id.
 *
 * <p>A create of the session whose write failed, or got no answer in time, may still land later,
 * after the change, and store what it carried under the old id again: state the browser stashed
 * before a logout or a login, never acknowledged, which whoever else holds the old id (one who
 * planted it) would read. Such a create may have been sent by this instance or by another one (a
 * request served elsewhere), so whenever the last load finds nothing, the change leaves an empty
 * document where creates land ({@link SessionStorage#fence()}), which refuses them and expires like
 * any other document; should that meet an object, a create landed first, and it is removed like any
 * other object (the end loads and removes again, the conflict counting against
 * {@link StashSettings#maxWriteAttempts()}). An end that finds only an empty document there removes
 * nothing (it holds no state and fences already) but writes it again, compare-and-swap on its version: a
 * stash that got no answer in time before the end carries {@code If-Match} on that version and must fail
 * ({@link SessionStorage#renewEmptyDocument()}). A rotation fences with its look for leftovers, after it
 * is reported and before any later operation of the session; the actor counts that look as work of its
 * own, so a successor of a retired actor waits for it (one writer per session). What that look finds
 * under an older secret's key only is hidden behind an empty document under the newest key before it is
 * removed, so a removal that fails leaves nothing any load reaches.
 *
 * <p>A rotation that fails leaves the state under the old id, whose cookie the browser keeps: should
 * the removal of the old object fail without saying whether it happened, the copied state is written
 * back over the version it tried to remove (which also fences off a late delete of it), or a load
 * finds the old id empty and the rotation stands; and should the caller's deadline answer first (the
 * caller is told the rotation failed), it does not remove the old object, or, when it had removed it
 * already, puts the state back under the old id. One storage failure or one late answer loses
 * nothing; two together can (a lost answer to the removal while another instance writes the session,
 * a failed write-back after the deadline: logged at WARN). An end removes and loads again until
 * nothing is left (a removal whose answer is lost is done if nothing is left);
 * {@link StashSettings#maxWriteAttempts()} bounds the removals of a rotation or an end that met a
 * conflict.
 */
final class SessionChanges {

    /** The actor's logger: these lines are the actor's. */
    private static final Logger log = LoggerFactory.getLogger(SessionActor.class);
    /**
     * Most objects one end removes, one after another: the current key's, older secrets' keys, a move marker.
     * Past it, another instance keeps storing state for the session, and the end fails.
     */
    private static final int MAX_REMOVALS = 16;

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
        start(change, 1, 0, null);
    }

    /**
     * Rotate: load, copy the live state to the new session's key, remove it here (compare-and-swap on
     * the version copied); should another instance have written meanwhile, copy again over the new key.
     * End: load and remove, until a load finds nothing under any key; an empty document the load finds, or, in
     * the second step of a secret rotation, the state under the current key, is overwritten by an empty
     * document instead, which ends it (it hides what older keys hold). Operations of this session that
     * arrive later find it empty.
     *
     * @param attempt 1 + the removals so far that met a conflict
     * @param removals the removals so far that succeeded (an end's: one per object found)
     */
    private void start(SessionChange change, int attempt, int removals, @Nullable String targetEtag) {
        actor.step(storage.load(), loaded -> {
            if (change instanceof RotateOp rotate) {
                Instant now = settings.clock().instant();
                SessionDocument doc = storage.document().isExpired(now) ? SessionDocument.empty() : storage.document();
                if (!doc.hasViews() && targetEtag == null) {
                    remove(change, attempt, removals, null, null); // nothing worth carrying over
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
                        remove(change, attempt, removals, etag, copy);
                    }
                }, error -> outcomes.failChange(change, error));
            } else if (storage.storesNothing()) {
                endWithAFence(change, attempt, removals);
            } else if (storage.holdsOnlyAnEmptyDocument()) {
                endOnAnEmptyDocument(change, attempt, removals); // no state, and a create meets it
            } else if (storage.overwritesRatherThanDeletes()) {
                endByOverwriting(change, attempt, removals); // a delete would uncover what older keys hold

            } else if (removals >= MAX_REMOVALS) {
                outcomes.failChange(change, new StashWriteException("(session)", "end of the browser session gave up "
                        + "after removing " + removals + " objects: state kept appearing under its keys again", null));
            } else {
                remove(change, attempt, removals, null, null);
            }
        }, error -> outcomes.failChange(change, error));
    }

    /** @param copy what a rotation copied to the new session's key ({@code null}: nothing) */
    private void remove(SessionChange change, int attempt, int removals, @Nullable String targetEtag,
            @Nullable SessionDocument copy) {
        SessionStorage.At removing = storage.removable();
        actor.step(storage.remove(), outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN) {
                if (change instanceof RotateOp rotate) {
                    if (finishRotation(rotate, removing, copy)) {
                        clearLeftovers(0);
                    }
                } else {
                    start(change, attempt, removals + 1, targetEtag); // an end loads again: done when nothing is left
                }
            } else if (attempt >= settings.maxWriteAttempts()) {
                outcomes.failChange(change, new StashConflictException("(session)", attempt));
            } else {
                counters.conflicts.increment();
                start(change, attempt + 1, removals, targetEtag);
            }
        }, error -> {
            // The removal may have happened (an answer lost): done if nothing is stored.
            if (change instanceof RotateOp rotate && removing != null && copy != null) {
                settleRemoval(rotate, removing, copy, error);
            } else if (change instanceof RotateOp rotate) {
                doneIfNothingIsStored(change, error, () -> rotated(rotate, removing, null));
            } else {
                doneIfNothingIsStored(change, error, () -> endWithAFence(change, attempt, removals + 1));
            }
        });
    }

    /**
     * An end's last load found nothing stored: an empty document is created where a create of the
     * session lands ({@link SessionStorage#fence()}), which refuses a create that failed or got no answer
     * in time, here or on another instance, and lands only now; the end is done once it is written.
     * Should it meet an object (such a create landed first), the end loads and removes again,
     * {@link StashSettings#maxWriteAttempts()} bounding such conflicts.
     */
    private void endWithAFence(SessionChange change, int attempt, int removals) {
        endWith(storage.fence(), change, attempt, removals, () -> outcomes.finishChange(change));
    }

    /**
     * An end's load found the state under the current key in the second step of a secret rotation
     * ({@link SessionStorage#overwritesRatherThanDeletes()}): an empty document is written over it (one write,
     * compare-and-swap on the version read), which hides the older secrets' keys from every load; only then is
     * what they hold removed ({@link SessionStorage#removeUnderPreviousKeys()}), so that an end that fails has
     * changed nothing. A conflict loads again, {@link StashSettings#maxWriteAttempts()} bounding them.
     */
    private void endByOverwriting(SessionChange change, int attempt, int removals) {
        endWith(storage.renewEmptyDocument(), change, attempt, removals,
                () -> actor.step(storage.removeUnderPreviousKeys(), ignored -> outcomes.finishChange(change),
                        error -> outcomes.finishChange(change)));
    }

    /**
     * An end's load found only an empty document (the session's views were all reset, or an earlier change
     * left it): nothing to remove, and a create meets it, but a write still in flight with {@code If-Match} on
     * its version (a stash that got no answer in time before the end) would land. It is written again
     * ({@link SessionStorage#renewEmptyDocument()}: a new version), and the end is done; should it have
     * changed meanwhile, the end loads again, {@link StashSettings#maxWriteAttempts()} bounding such conflicts.
     */
    private void endOnAnEmptyDocument(SessionChange change, int attempt, int removals) {
        endWith(storage.renewEmptyDocument(), change, attempt, removals, () -> outcomes.finishChange(change));
    }

    /**
     * An end's last write: once it is written, {@code written} runs (it ends the change); on a conflict the
     * end loads again, {@link StashSettings#maxWriteAttempts()} bounding such conflicts; an error fails it.
     */
    private void endWith(CompletionStage<SessionStorage.WriteOutcome> write, SessionChange change, int attempt,
            int removals, Runnable written) {
        actor.step(write, outcome -> {
            if (outcome == SessionStorage.WriteOutcome.WRITTEN) {
                written.run();
            } else if (attempt >= settings.maxWriteAttempts()) {
                outcomes.failChange(change, new StashConflictException("(session)", attempt));
            } else {
                counters.conflicts.increment();
                start(change, attempt + 1, removals, null);
            }
        }, error -> outcomes.failChange(change, error));
    }

    /**
     * A rotation removed the object it copied and was reported. An object still under one of the old
     * id's keys would come back to that id's next load (a move marker that a change of secret left under
     * an older key, its delete having failed), so a load looks again and removes what it finds, as an
     * end does, and fences the old id as an end does: steps of the actor's own, after the caller was
     * answered (they do not spend the caller's deadline) and before any later operation of the session.
     * The actor counts them as work it accepted ({@link SessionActor#holdForOwnWork()}), from before the
     * rotation is reported until they end, so a successor waits for them. Should they fail, what is left
     * is logged.
     *
     * @param leftovers the objects removed so far
     */
    private void clearLeftovers(int leftovers) {
        actor.step(storage.load(), loaded -> clearLoadedLeftovers(leftovers),
                error -> leftoverStays(Outcomes.summary(error)));
    }

    /**
     * Removes what the load just made found under the old id's keys, as {@link #clearLeftovers} says.
     * When it found nothing, an empty document refuses a create of the session that may still land, as
     * after an end ({@link SessionStorage#fence()}); should that meet an object (it landed first), it is
     * removed like any leftover. An empty document found there is written again, as an end does
     * ({@link SessionStorage#renewEmptyDocument()}), so a write in flight on its version fails. Something
     * found under an older key only (a move marker left there) is first hidden behind an empty document under
     * the newest key ({@link SessionStorage#hideOlderKeys()}), then removed: should the removal fail, no load
     * reaches it (a marker would make it finish the move and serve the old state under the old id).
     */
    private void clearLoadedLeftovers(int leftovers) {
        if (leftovers >= MAX_REMOVALS) {
            leftoverStays("state kept appearing under its keys again");
        } else if (storage.holdsOnlyAnEmptyDocument()) {
            writeThenRelease(storage.renewEmptyDocument(), leftovers, "the empty document under the old id's key "
                    + "could not be written again ({}); a write still in flight on its version may land there and "
                    + "stays until it expires");
        } else if (storage.storesUnderAnOlderKeyOnly()) {
            writeOrLookAgain(storage.hideOlderKeys(), leftovers, () -> removeLeftover(leftovers),
                    error -> removeLeftover(leftovers));
        } else if (storage.storesNothing()) {
            writeThenRelease(storage.fence(), leftovers, "the empty document that refuses a late write of the "
                    + "session under the old id's keys could not be written ({}); should such a write land, it stays "
                    + "there until it expires");
        } else {
            removeLeftover(leftovers);
        }
    }

    /** {@link #writeOrLookAgain}, then the rotation's hold ends; a failed write is logged with {@code failure}. */
    private void writeThenRelease(CompletionStage<SessionStorage.WriteOutcome> write, int leftovers, String failure) {
        writeOrLookAgain(write, leftovers, actor::release, error -> {
            log.warn("rotate of a browser session completed, but " + failure, Outcomes.summary(error));
            actor.release();
        });
    }

    /**
     * A write of the look for leftovers: on a conflict (something landed meanwhile) the old id's keys are looked
     * at again, else {@code then} runs; a failed write goes to {@code failed}.
     */
    private void writeOrLookAgain(CompletionStage<SessionStorage.WriteOutcome> write, int leftovers, Runnable then,
            SessionActor.StepHandler<Throwable> failed) {
        actor.step(write, outcome -> {
            if (outcome == SessionStorage.WriteOutcome.CONFLICT) {
                counters.conflicts.increment();
                clearLeftovers(leftovers + 1);
            } else {
                then.run();
            }
        }, failed);
    }

    /** Removes the leftover the last load found, then looks again. */
    private void removeLeftover(int leftovers) {
        actor.step(storage.remove(), outcome -> clearLeftovers(leftovers + 1),
                error -> leftoverStays(Outcomes.summary(error)));
    }

    /** The look for leftovers ends, leaving one: logged, and the actor's own work is done. */
    private void leftoverStays(String why) {
        log.warn("rotate of a browser session moved its state to the new id, but an object left under the old id's keys "
                + "could not be removed ({}); it expires with its TTL", why);
        actor.release();
    }

    /**
     * A rotation's removal of the old object failed without saying whether it happened (an answer lost,
     * or none in time: a late delete may still land). Settles it by writing the copied state back over
     * the version it tried to remove: written, the state is under the old id again (and a late delete of
     * that version can no longer succeed), so the rotation failed and loses nothing. Refused or failed,
     * a load looks: nothing under the old id means the removal happened, and the rotation stands;
     * anything else there stays there, and the rotation fails (the caller keeps the old id).
     */
    private void settleRemoval(RotateOp rotate, SessionStorage.At removing, SessionDocument copy, Throwable removalError) {
        actor.step(storage.copyTo(removing.key(), removing.etag(), copy), etag -> {
            if (etag != null) {
                outcomes.failChange(rotate, removalError);
            } else {
                doneIfNothingIsStored(rotate, removalError, () -> rotated(rotate, removing, copy));
            }
        }, error -> doneIfNothingIsStored(rotate, removalError, () -> rotated(rotate, removing, copy)));
    }

    /**
     * After a removal whose outcome is unknown: nothing stored under the old id means it happened, and
     * {@code nothingStored} goes on with the change (right after that load); anything there means it failed.
     */
    private void doneIfNothingIsStored(SessionChange change, Throwable error, Runnable nothingStored) {
        doneIfNothingIsStored(change, error, nothingStored, settings.maxWriteAttempts());
    }

    /** @param loads how many loads to try (a load that fails is tried again) */
    private void doneIfNothingIsStored(SessionChange change, Throwable error, Runnable nothingStored, int loads) {
        actor.step(storage.load(), loaded -> {
            if (storage.storesNothing()) {
                nothingStored.run();
            } else {
                outcomes.failChange(change, error);
            }
        }, loadError -> {
            if (loads > 1) {
                doneIfNothingIsStored(change, error, nothingStored, loads - 1);
            } else {
                outcomes.failChange(change, error);
            }
        });
    }

    /**
     * A load just found nothing under the old id after the rotation's removal: done as
     * {@link #finishRotation} says, and, once reported, a PUT that may still land there is refused
     * ({@link #clearLoadedLeftovers}).
     */
    private void rotated(RotateOp rotate, SessionStorage.@Nullable At removed, @Nullable SessionDocument copy) {
        if (finishRotation(rotate, removed, copy)) {
            clearLoadedLeftovers(0);
        }
    }

    /**
     * The old object is gone and the state is under the new id. Reports success, unless the caller's
     * deadline answered first: that caller keeps the old id, so the state is put back under it.
     *
     * @param removed the object the rotation removed ({@code null}: nothing was stored)
     * @return {@code true} when the rotation was reported done: the caller then looks for leftovers,
     *     which ends with {@link SessionActor#release()}
     */
    private boolean finishRotation(RotateOp rotate, SessionStorage.@Nullable At removed, @Nullable SessionDocument copy) {
        if (rotate.answer().reserveForOutcome()) {
            actor.holdForOwnWork(); // the look for leftovers that follows: released when it ends
            outcomes.finishChange(rotate);
            return true;
        } else if (removed == null || copy == null) {
            outcomes.failChange(rotate, timedOut(rotate)); // nothing was carried over: nothing to put back
        } else {
            putBack(rotate, removed.key(), copy, settings.maxWriteAttempts());
        }
        return false;
    }

    /** Puts the copied state back under the old id's key, where nothing is stored, trying up to {@code tries} times. */
    private void putBack(RotateOp rotate, String key, SessionDocument copy, int tries) {
        actor.step(storage.copyTo(key, null, copy), etag -> {
            if (etag == null) {
                log.warn("rotate of a browser session timed out after it removed the state under the old id; another "
                        + "writer stored a new document there since, so the state was not put back (it stays under "
                        + "the new id's key, which the browser did not get)");
            }
            outcomes.failChange(rotate, timedOut(rotate));
        }, error -> {
            if (tries > 1) {
                putBack(rotate, key, copy, tries - 1);
                return;
            }
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
