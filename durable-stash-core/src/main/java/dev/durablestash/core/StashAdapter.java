package dev.durablestash.core;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.StorageBackend;

/**
 * The engine's entry point: recover, stash and reset the stored keys of a view for a browser
 * session ({@code sid}).
 *
 * <p>All views and tabs of one session go through one in-memory session actor, which serialises
 * them, merges per-key diffs (last write wins) and writes the session document through to the
 * {@link StorageBackend} with ETag compare-and-swap before it acknowledges.
 *
 * <p><b>Thread-safety:</b> thread-safe; share one instance per application. No method waits for
 * I/O: each returns a {@link CompletionStage}. Where it completes: when the session's actor is idle,
 * the operation runs on the calling thread, and if storage answers at once (an in-memory store, or
 * a warm recover without revalidation) the stage is already complete when the method returns;
 * otherwise it completes on the thread on which the storage backend answered (the AWS SDK's
 * completion executor, the filesystem backend's I/O pool), on the engine's executor, or, at the
 * operation's deadline, on the engine's executor. Dependent actions run on that thread, often inside
 * the session actor's own task: they must not block (joining another operation of the same session
 * there would hold it up until that operation's deadline). Callers on a request thread of their own
 * (Spring MVC) may wait for the stage ({@code toCompletableFuture().get(...)} or
 * {@code toCompletableFuture().join()}); when one write acknowledges the stashes of several such
 * callers (group commit), the first thread that waits for each stage, once woken, also wakes a few
 * other such threads of that write before it returns (only that: no other caller's dependent action
 * runs on its thread). {@code toCompletableFuture()} returns the stage itself, a
 * {@link java.util.concurrent.CompletableFuture} of this call's own, whose waiting methods answer as any
 * {@code CompletableFuture}'s do: completing, cancelling or timing it out changes what its holders see,
 * not the operation, which goes on (and may still succeed). The one exception is {@link #turn}: completing
 * its future gives the wait for the turn up.
 *
 * <p><b>After an {@link RecoveryStatus#ERROR ERROR} recovery</b> the caller's state holds defaults,
 * not what is stored: do not stash values derived from them (the Spring integration refuses to).
 *
 * <p><b>Session ids</b> are the raw cookie values; they never reach storage (storage keys are an
 * HMAC of them). Callers should check {@link SessionIds#isWellFormed(String)} first.
 */
public final class StashAdapter implements AutoCloseable {

    private final SessionRegistry registry;
    private final ValueCodec codec;
    private final Deadlines deadlines;

    /**
     * @param backend where session documents are kept
     * @param settings the engine's configuration
     */
    public StashAdapter(StorageBackend backend, StashSettings settings) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(settings, "settings");
        this.codec = settings.valueCodec();
        Executor configured = settings.executor();
        Executor executor = configured != null ? configured : EngineExecutor.newPool();
        this.deadlines = new Deadlines(executor);
        this.registry = new SessionRegistry(backend, settings, codec, executor, deadlines);
    }

    /**
     * Reads a view's stored keys for a session, honouring scopes, versions and expiry.
     *
     * <p>A {@link MountKind#FRESH fresh} mount clears the view's {@link Scope#RECONNECT} keys in
     * storage. A slice stored under another {@code vsn} is migrated (and written back) or dropped.
     * The stage never completes exceptionally for storage problems: it completes with
     * {@link RecoveryStatus#ERROR} and the cause.
     *
     * @param sid the browser session id
     * @param view the view
     * @param mount whether the page is new or rejoining
     * @return the recovery, never {@code null}
     */
    public CompletionStage<Recovery> recover(String sid, ViewDefinition view, MountKind mount) {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(mount, "mount");
        return registry.recover(sid, view, mount);
    }

    /**
     * Stashes changed keys of a view: normalises each value to JSON now, then hands the per-key diff
     * to the session actor. The stage completes when the storage write that contains the diff has
     * succeeded, or exceptionally with a {@link StashWriteException} when it failed: never a silent
     * success.
     *
     * @param sid the browser session id
     * @param view the view
     * @param changed the changed keys and their new values ({@code null} values are stored as JSON
     *     {@code null} and recovered as {@code null}, except for a key of a primitive type, which cannot
     *     hold one: refused); every key must be a stored key of the view
     * @return a stage that completes when the diff is durable
     * @throws InvalidStashValueException at once, before anything is written, if a key is not a stored
     *     key of the view, or (with {@link InvalidValuePolicy#RAISE}; {@code LOG} skips the key) a value
     *     cannot be represented as JSON, is larger than {@link StashSettings#maxValueBytes()}, does not
     *     read back as the key's declared type, would be recovered as another value (a number with a
     *     fraction for an integer type, where 5.0 is accepted as 5; {@code null} for a primitive type),
     *     or holds what the session document's reader could not read back: arrays and objects nested
     *     more than 496 levels deep (the document's limit of 500 less the 4 levels it puts around a
     *     value), a property name over 50,000 bytes of UTF-8, a string over 100,000,000 characters, a
     *     number of more than 1,000 digits (Jackson's limits, as the document's reader has them)
     */
    public CompletionStage<Void> stash(String sid, ViewDefinition view, Map<String, ? extends @Nullable Object> changed) {
        return stash(sid, view, changed, Set.of());
    }

    /**
     * Like {@link #stash(String, ViewDefinition, Map)}, and also removes keys from storage (they
     * recover as absent, so the view keeps its defaults).
     *
     * @param sid the browser session id
     * @param view the view
     * @param changed the changed keys and their new values
     * @param removed stored keys to remove
     * @return a stage that completes when the diff is durable
     * @throws InvalidStashValueException see {@link #stash(String, ViewDefinition, Map)}
     */
    public CompletionStage<Void> stash(String sid, ViewDefinition view, Map<String, ? extends @Nullable Object> changed,
            Collection<String> removed) {
        return stash(sid, view, changed, removed, false);
    }

    /**
     * Like {@link #stash(String, ViewDefinition, Map)}, under a session id the caller has just made with
     * {@link SessionIds#newSid()} and handed to no one yet (no response carrying it was sent), so that
     * nothing can be stored under it: the engine does not read storage before its first write there, a
     * create ({@code If-None-Match: *}). Should something be stored there after all, the create is refused
     * and the engine reads storage and merges the stash into what it finds: a wrong hint costs a read and a
     * retry (neither a backoff nor one of {@link StashSettings#maxWriteAttempts()}), never a write. During a
     * secret rotation (a next or previous secret set) the engine reads first anyway, and for a session it
     * has read or written before the hint is moot.
     *
     * @param sid the browser session id, just made
     * @param view the view
     * @param changed the changed keys and their new values
     * @return a stage that completes when the diff is durable
     * @throws InvalidStashValueException see {@link #stash(String, ViewDefinition, Map)}
     */
    public CompletionStage<Void> stashUnderNewSid(String sid, ViewDefinition view,
            Map<String, ? extends @Nullable Object> changed) {
        return stash(sid, view, changed, Set.of(), true);
    }

    private CompletionStage<Void> stash(String sid, ViewDefinition view,
            Map<String, ? extends @Nullable Object> changed, Collection<String> removed, boolean underNewSid) {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(changed, "changed");
        Objects.requireNonNull(removed, "removed");
        return registry.stash(sid, codec.encode(view, changed, removed), underNewSid);
    }

    /**
     * Removes everything stored for a view in a session; the next recover is
     * {@link RecoveryStatus#NOT_FOUND}.
     *
     * @param sid the browser session id
     * @param view the view
     * @return a stage that completes when the removal is durable, or exceptionally with a
     *     {@link StashWriteException}
     */
    public CompletionStage<Void> reset(String sid, ViewDefinition view) {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(view, "view");
        return registry.stash(sid, SliceDiff.reset(view));
    }

    /**
     * Moves a browser session's state to a new session id (session id rotation, e.g. at login, so an id
     * someone else may know stops giving access to the state). Runs through the session's actor in
     * arrival order: every operation of {@code sid} that arrived before it is in the state that moves;
     * those that arrive after it find {@code sid} empty (see {@link SessionActor}), also when a stash
     * whose write failed or got no answer in time before the rotation, on this instance or another,
     * reaches storage only after it (an empty document left under the old id refuses it, or the rotation
     * removes it should it land first). The
     * state is written under the new id's key first and removed under the old one afterwards
     * (compare-and-swap), so a failure does not lose it: a failed rotation (also one whose removal's
     * answer was lost or late, or whose deadline passed) leaves it under {@code sid}, and at worst an
     * unreachable copy under the new id's key, which expires; a rotation that succeeds has it under
     * {@code newSid}. Only two faults together (such as a lost answer while another instance writes the
     * session) can leave less.
     *
     * @param sid the current browser session id
     * @param newSid a new id from {@link SessionIds#newSid()}, never used before
     * @return a stage that completes when the state is under the new id and gone under the old one, or
     *     exceptionally with a {@link StashWriteException} (a {@link StashTimeoutException} after
     *     {@link StashSettings#operationTimeout()})
     * @throws IllegalArgumentException if {@code newSid} is not well formed or equals {@code sid}
     */
    public CompletionStage<Void> rotate(String sid, String newSid) {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(newSid, "newSid");
        if (!SessionIds.isWellFormed(newSid) || newSid.equals(sid)) {
            throw new IllegalArgumentException("newSid must be a new id from SessionIds.newSid()");
        }
        return registry.rotate(sid, newSid);
    }

    /**
     * Ends a browser session: removes all its state (every view), in arrival order with its other
     * operations. Later operations of {@code sid} find it empty, also when a stash whose write failed or
     * got no answer in time before the end, on this instance or another, reaches storage only after it:
     * the end leaves an empty document (which expires with the TTL) that refuses it, or removes it should
     * it land first.
     *
     * @param sid the browser session id
     * @return a stage that completes when nothing of the session's state is stored any more, or exceptionally
     *     with a {@link StashWriteException} (a {@link StashTimeoutException} after
     *     {@link StashSettings#operationTimeout()})
     */
    public CompletionStage<Void> end(String sid) {
        Objects.requireNonNull(sid, "sid");
        return registry.end(sid);
    }

    /**
     * Asks for the session's turn at a view in this JVM (an atomic view): turns of one session and
     * view are granted one at a time, in the order they were asked for, so a request that recovers,
     * changes and stashes the view while holding the turn never interleaves with another request of
     * the same session to the same view. Other views and other sessions are never held up. Waiting
     * parks no thread.
     *
     * <p>The caller must {@link ViewTurn#close() close} the turn when its stash is done (or failed),
     * on every path: an unclosed turn holds up every later request of that session and view until
     * each of them times out.
     *
     * <p>A caller that stops waiting before the stage completes (a bound of its own, shorter than the
     * operation timeout) gives the wait up by completing the stage's future itself:
     * {@code toCompletableFuture().cancel(false)}, or an {@code orTimeout} on it. Such a wait is
     * skipped and the turn goes to the next caller. When that cancel returns {@code false} the wait
     * ended meanwhile: with a turn, which must be closed, or with the engine's
     * {@link StashTimeoutException} (then {@code isCompletedExceptionally()}, and there is nothing to
     * close). A caller that stops waiting without completing the future must close the turn when it
     * comes ({@code stage.thenAccept(ViewTurn::close)}, which does nothing after a timeout).
     *
     * @param sid the browser session id
     * @param view the view
     * @return a stage that completes with the turn, or exceptionally with a
     *     {@link StashTimeoutException} when it was not granted within
     *     {@link StashSettings#operationTimeout()}
     */
    public CompletionStage<ViewTurn> turn(String sid, ViewDefinition view) {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(view, "view");
        return registry.turn(sid, view);
    }

    /** @return a snapshot of the engine's counters */
    public StashStatistics statistics() {
        return registry.statistics();
    }

    /**
     * Drops all actors from memory. Operations in flight still end (completed, failed, or at their
     * deadline); operations that arrive afterwards are refused at once: stashes, resets, rotations and
     * ends fail with a {@link StashWriteException} (HTTP 503 in the web integrations), recovers report
     * {@link RecoveryStatus#ERROR ERROR}, and nothing is read or written for them. Idempotent. The pool the adapter runs on when no {@link StashSettings#executor()} was
     * set needs no shutting down: its idle threads exit by themselves.
     */
    @Override
    public void close() {
        registry.close();
        deadlines.close();
    }
}
